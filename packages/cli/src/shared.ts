/** Where crossedit's shared data lives: `$CROSSEDIT_SHARED`, else `../shared` beside the repository. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (when running from a checkout). */
export const repoRoot = path.resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');

/** The shared directory, if it exists. */
export function sharedDir(): string | undefined {
  const dir = process.env.CROSSEDIT_SHARED ?? path.resolve(repoRoot, '../shared');
  return existsSync(dir) ? dir : undefined;
}
