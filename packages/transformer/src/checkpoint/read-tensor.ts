/** `readTensorAs` (any reader) and `storedBytesOf` (a tensor's size in its file, from the header alone). */
import { sizeOf } from '@crossedit/core';
import { STORAGE_BYTES } from './convert.js';
import { GGML_TYPES } from './gguf.js';
import { checkShape } from './base-reader.js';
import { convertF32, type LoadDType, type ReadAsOptions, type ReadAsResult } from './read-as.js';
import type { CheckpointReader, TensorEntry } from './types.js';

const GGML_BLOCKS = new Map(Object.values(GGML_TYPES).map((t) => [t.dtype as string, t]));

/** Bytes a tensor occupies in its file, from its entry (dtype × shape; GGML blocks for quantised tensors). */
export function storedBytesOf(e: TensorEntry): number {
  const n = sizeOf(e.shape);
  const plain = (STORAGE_BYTES as Record<string, number>)[e.dtype];
  if (plain !== undefined) return n * plain;
  const q = GGML_BLOCKS.get(e.dtype);
  return q ? (n / q.block) * q.bytes : n * 4;
}

/**
 * Reads a tensor as `dtype` through the reader's `readAs` when it has one, else through `read` (float32) and a
 * conversion, so every reader (e.g. `GgufLlamaReader`, which reorders q/k rows) can feed a streaming loader.
 *
 * @example
 * ```ts
 * const { data } = await readTensorAs(ckpt, 'model.norm.weight', 'f16'); // Uint16Array of half bits
 * ```
 */
export async function readTensorAs(reader: CheckpointReader, name: string, dtype: LoadDType, opts: ReadAsOptions = {}): Promise<ReadAsResult> {
  if (reader.readAs) return reader.readAs(name, dtype, opts);
  const e = reader.entry(name);
  checkShape(e.file, name, e.shape, opts.shape);
  const values = await reader.read(name);
  return { ...convertF32(values, dtype, opts.into), storedBytes: storedBytesOf(e) };
}
