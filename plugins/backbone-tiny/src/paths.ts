/** Where the tiny backbone's files are: the package folder, its shipped assets, its cache, the shared data. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package's root folder (`plugins/backbone-tiny`), found from this file's location. */
export const packageDir: string = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The folder of the shipped files: `tokenizer.json`, `config.json`, `model.safetensors`, `training.json`. */
export const assetsDir: string = path.join(packageDir, 'assets');

/** The package's scratch folder (gitignored): corpus, training runs, checkpoints. */
export const cacheDir: string = path.join(packageDir, '.cache');

/**
 * The shared data folder: `$CROSSEDIT_SHARED` when set, else `../shared` beside the repository root.
 *
 * @example
 * ```ts
 * const train = path.join(sharedDir(), 'data/mzsre/train/zsre_mend_train_en_10000.txt');
 * ```
 */
export function sharedDir(): string {
  const env = process.env.CROSSEDIT_SHARED;
  if (env) return path.resolve(env);
  return path.resolve(packageDir, '../../../shared');
}

/** Whether the shared data this package trains on is present. */
export function hasSharedData(dir: string = sharedDir()): boolean {
  return existsSync(path.join(dir, 'data/mzsre/train/zsre_mend_train_en_10000.txt'));
}
