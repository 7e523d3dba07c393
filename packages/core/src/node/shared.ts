/**
 * `@crossedit/core/node`: where crossedit's shared data lives on this machine (tokenizers, the
 * stories260K model, Bi-ZsRE / MzsRE data). Never resolved relative to where a package is installed.
 *
 * @packageDocumentation
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * The shared data folder: `$CROSSEDIT_SHARED` when set; else the nearest folder named `shared` beside
 * the current directory or one of its parents (a checkout's `../shared`); else undefined.
 *
 * @example
 * ```ts
 * const dir = sharedDir(); // '/work/shared' when run from /work/crossedit
 * ```
 */
export function sharedDir(cwd: string = process.cwd()): string | undefined {
  const env = process.env.CROSSEDIT_SHARED;
  if (env) return path.resolve(env);
  for (let d = path.resolve(cwd); ; d = path.dirname(d)) {
    const cand = path.join(path.dirname(d), 'shared');
    if (path.dirname(d) !== d && existsSync(cand) && statSync(cand).isDirectory()) return cand;
    if (path.dirname(d) === d) return undefined;
  }
}
