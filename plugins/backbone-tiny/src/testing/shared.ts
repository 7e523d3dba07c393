/** Test helpers: whether the shared data is present (tests that need it are skipped otherwise). */
import { hasSharedData, sharedDir } from '../paths.js';

/** The shared data folder, or null when absent (`$CROSSEDIT_SHARED` or `../shared`). */
export function sharedOrNull(): string | null {
  const dir = sharedDir();
  return hasSharedData(dir) ? dir : null;
}
