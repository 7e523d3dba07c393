/** Test helper: where the shared data lives (core's `sharedDir()`: `$CROSSEDIT_SHARED`, else `../shared` from the current directory up). */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { sharedDir as findShared } from '@crossedit/core/node';

/** The shared data directory (`../shared` beside the current directory when none is found, so paths name it). */
export function sharedDir(): string {
  return findShared() ?? resolve('../shared');
}

/** A path under the shared directory, or `undefined` when it is not there (tests then skip). */
export function sharedPath(rel: string): string | undefined {
  const p = resolve(sharedDir(), rel);
  return existsSync(p) ? p : undefined;
}
