/**
 * The training-scale study (the paper's Figure 3: performance against the number of training samples,
 * 100 / 500 / 1K / 3K / 5K, for SERAC, IKE and MEND): the sizes, and the JSON the grid report draws.
 */
import { writeFileSync } from 'node:fs';

/** The paper's training sizes (`null` = the whole file). */
export const TRAINING_SCALE_SIZES: readonly (number | null)[] = [100, 500, 1000, 3000, 5000, null];

/** One plotted number. */
export interface TrainingScalePoint {
  method: string;
  backbone: string;
  /** Language of the edits. */
  sourceLang: string;
  /** Training samples used (the actual count when the size was "all"). */
  trainSamples: number;
  /** `reliability`, `generality`, `locality`, `portability`. */
  metric: string;
  /** Language the metric was measured in. */
  evalLang: string;
  /** `f1`, `em` or `tokenAcc`, ×100. */
  score: string;
  value: number;
  /** The artifact evaluated (path or id), for provenance. */
  artifact?: string;
}

/** The file format (`crossedit.training-scale/1`). */
export interface TrainingScaleFile {
  format: 'crossedit.training-scale/1';
  created: string;
  sizes: (number | null)[];
  points: TrainingScalePoint[];
}

/**
 * Writes the training-scale data (what `grid` draws as Figure 3).
 *
 * @example
 * ```ts
 * writeTrainingScale('results/training-scale.json', points);
 * ```
 */
export function writeTrainingScale(path: string, points: readonly TrainingScalePoint[], sizes: readonly (number | null)[] = TRAINING_SCALE_SIZES): TrainingScaleFile {
  const file: TrainingScaleFile = { format: 'crossedit.training-scale/1', created: new Date().toISOString(), sizes: [...sizes], points: [...points] };
  writeFileSync(path, JSON.stringify(file, null, 1) + '\n');
  return file;
}
