/** Where the tiny backbone's files are: the package folder, its shipped assets, its cache, the shared data. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sharedDir as findShared } from '@crossedit/core/node';

/** The package's root folder (`plugins/backbone-tiny`), found from this file's location. */
export const packageDir: string = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The folder of the shipped files: `tokenizer.json`, `config.json`, `model.safetensors`, `training.json`. */
export const assetsDir: string = path.join(packageDir, 'assets');

/**
 * The scratch folder of training (corpus, runs, checkpoints): `$CROSSEDIT_CACHE/backbone-tiny`, else
 * `.cache/crossedit/backbone-tiny` under the current directory; never inside the installed package.
 */
export const cacheDir: string = path.resolve(process.env.CROSSEDIT_CACHE ?? '.cache/crossedit', 'backbone-tiny');

/**
 * The shared data folder: core's `sharedDir()` (`$CROSSEDIT_SHARED`, else `../shared` from the current
 * directory up), else `../shared` (so messages name where it was expected).
 *
 * @example
 * ```ts
 * const train = path.join(sharedDir(), 'data/mzsre/train/zsre_mend_train_en_10000.txt');
 * ```
 */
export function sharedDir(): string {
  return findShared() ?? path.resolve('../shared');
}

/** Whether the shared data this package trains on is present. */
export function hasSharedData(dir: string = sharedDir()): boolean {
  return existsSync(path.join(dir, 'data/mzsre/train/zsre_mend_train_en_10000.txt'));
}
