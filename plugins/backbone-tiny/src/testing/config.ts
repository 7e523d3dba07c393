/** A training config for the tests (not exported from the package). */
import { STUDY_RUNS } from '../train/config.js';

/** The first model's config: none of the shipped recipe's data options or mask (the tests turn on what they test). */
export const PLAIN = STUDY_RUNS['first-model'];
