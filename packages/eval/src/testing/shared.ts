/** Test helper: where the shared data lives (`$CROSSEDIT_SHARED`, else `<repo>/../shared`). */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../..');

/** The shared data directory. */
export function sharedDir(): string {
  return process.env.CROSSEDIT_SHARED ?? resolve(repoRoot, '../shared');
}

/** A path under the shared directory, or `undefined` when it is not there (tests then skip). */
export function sharedPath(rel: string): string | undefined {
  const p = resolve(sharedDir(), rel);
  return existsSync(p) ? p : undefined;
}
