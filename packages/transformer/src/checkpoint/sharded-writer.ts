/** Writing a checkpoint as HF-style sharded safetensors (`model-0000k-of-0000n.safetensors` + index). */
import { promises as fsp } from 'node:fs';
import * as nodePath from 'node:path';
import { sizeOf } from '@crossedit/core';
import { STORAGE_BYTES } from './convert.js';
import { writeSafetensors, type SafetensorsTensor } from './safetensors-writer.js';

/** Options of {@link writeShardedSafetensors}. */
export interface ShardedWriteOptions {
  /** Tensors are packed in order into shards of at most this many bytes (a larger tensor gets a shard of its own; default 10 GB, as `save_pretrained`). */
  maxShardBytes?: number;
  /** `__metadata__` of every shard (default `{ format: 'pt' }`, as `save_pretrained`). */
  metadata?: Readonly<Record<string, string>>;
  /** Called after each shard with the tensor bytes written so far and in all. */
  onProgress?: (doneBytes: number, totalBytes: number, file: string) => void;
}

const pad = (n: number) => String(n).padStart(5, '0');

/**
 * Writes `tensors` into `dir` as `save_pretrained` lays a sharded safetensors checkpoint out: shards
 * `model-0000k-of-0000n.safetensors` filled in order up to `maxShardBytes`, and `model.safetensors.index.json`
 * (`metadata.total_size`, `weight_map`); a single shard is written as `model.safetensors` without an index.
 * One tensor (or one raw chunk of it) is in memory at a time.
 *
 * @returns the files written (the index first when there is one)
 * @example
 * ```ts
 * await writeShardedSafetensors(dir, tensors, { maxShardBytes: 10e9 });
 * ```
 */
export async function writeShardedSafetensors(dir: string, tensors: readonly SafetensorsTensor[], opts: ShardedWriteOptions = {}): Promise<string[]> {
  const max = opts.maxShardBytes ?? 10e9;
  const groups: SafetensorsTensor[][] = [[]];
  let used = 0;
  let total = 0;
  for (const t of tensors) {
    const bytes = sizeOf(t.shape) * STORAGE_BYTES[t.dtype];
    total += bytes;
    if (used > 0 && used + bytes > max) {
      groups.push([]);
      used = 0;
    }
    groups[groups.length - 1].push(t);
    used += bytes;
  }
  await fsp.mkdir(dir, { recursive: true });
  const metadata = opts.metadata ?? { format: 'pt' };
  const n = groups.length;
  const files: string[] = [];
  const weightMap: Record<string, string> = {};
  let done = 0;
  for (let k = 0; k < n; k++) {
    const file = n === 1 ? 'model.safetensors' : `model-${pad(k + 1)}-of-${pad(n)}.safetensors`;
    await writeSafetensors(nodePath.join(dir, file), groups[k], metadata);
    for (const t of groups[k]) {
      weightMap[t.name] = file;
      done += sizeOf(t.shape) * STORAGE_BYTES[t.dtype];
    }
    files.push(nodePath.join(dir, file));
    opts.onProgress?.(done, total, file);
  }
  if (n > 1) {
    const index = nodePath.join(dir, 'model.safetensors.index.json');
    await fsp.writeFile(index, JSON.stringify({ metadata: { total_size: total }, weight_map: weightMap }, null, 2));
    files.unshift(index);
  }
  return files;
}
