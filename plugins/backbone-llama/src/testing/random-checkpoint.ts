/**
 * Large random LLaMA checkpoints written in bounded memory (for the streaming-load tests and the 7B
 * benchmark): values come from a 65536-entry table indexed by a xorshift stream, one chunk at a time.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import * as nodePath from 'node:path';
import { f32ToF16, type ModelConfig } from '@crossedit/core';
import { expectedWeightShapes, writeShardedSafetensors, type SafetensorsTensor } from '@crossedit/transformer';
import { tinyHfConfig } from './tiny.js';

/** Elements per chunk of {@link randomWeightChunks} (8 MiB of f16). */
export const RANDOM_CHUNK_ELEMENTS = 4 << 20;

/**
 * The stored bytes of `numel` random weights, chunk by chunk: uniform on ±√(3/fanIn) (the std of
 * `N(0, 1/fanIn)`, so activations keep their scale through every layer), or all ones for a norm (`fanIn` 0).
 * The same buffer is yielded each time: a consumer must use a chunk before asking for the next.
 */
export function* randomWeightChunks(numel: number, fanIn: number, seed: number, dtype: 'f16' | 'f32'): Generator<Uint8Array> {
  const a = fanIn > 0 ? Math.sqrt(3 / fanIn) : 0;
  const table16 = new Uint16Array(65536);
  const table32 = new Float32Array(65536);
  for (let r = 0; r < 65536; r++) {
    const v = fanIn > 0 ? ((r + 0.5) / 65536 - 0.5) * 2 * a : 1;
    table16[r] = f32ToF16(v);
    table32[r] = v;
  }
  const per = Math.min(numel, RANDOM_CHUNK_ELEMENTS) & ~1 || Math.min(numel, 2);
  const out16 = dtype === 'f16' ? new Uint16Array(per) : null;
  const out32 = dtype === 'f32' ? new Float32Array(per) : null;
  let s = (Math.imul(seed + 1, 2654435761) >>> 0) || 1;
  for (let i = 0; i < numel; i += per) {
    const n = Math.min(per, numel - i);
    for (let j = 0; j < n; j += 2) {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      const lo = s & 0xffff;
      const hi = (s >>> 16) & 0xffff;
      if (out16) {
        out16[j] = table16[lo];
        if (j + 1 < n) out16[j + 1] = table16[hi];
      } else {
        out32![j] = table32[lo];
        if (j + 1 < n) out32![j + 1] = table32[hi];
      }
    }
    const arr = out16 ?? out32!;
    yield new Uint8Array(arr.buffer, 0, n * arr.BYTES_PER_ELEMENT);
  }
}

/** Options of {@link writeRandomLlamaCheckpoint}. */
export interface RandomCheckpointOptions {
  /** Stored dtype (default f16, as published 7B checkpoints). */
  dtype?: 'f16' | 'f32';
  /** Shard size limit (default 10 GB, as `save_pretrained`). */
  maxShardBytes?: number;
  /** Seed of the first tensor (each tensor gets its own). */
  seed?: number;
  /** Called after each shard (bytes written so far, in all, the shard's file name). */
  onProgress?: (doneBytes: number, totalBytes: number, file: string) => void;
}

/**
 * Writes a random LLaMA checkpoint of `config` into `dir` as `save_pretrained` would: `config.json`, HF tensor
 * names, sharded safetensors with `model.safetensors.index.json` past one shard. Memory: one chunk.
 *
 * @returns the weight files (index first) and the bytes of tensor data
 */
export async function writeRandomLlamaCheckpoint(dir: string, config: ModelConfig, opts: RandomCheckpointOptions = {}): Promise<{ files: string[]; bytes: number }> {
  const dtype = opts.dtype ?? 'f16';
  mkdirSync(dir, { recursive: true });
  writeFileSync(nodePath.join(dir, 'config.json'), JSON.stringify(tinyHfConfig(config, { torch_dtype: dtype === 'f16' ? 'float16' : 'float32' }), null, 2));
  let seed = opts.seed ?? 1;
  let bytes = 0;
  const tensors: SafetensorsTensor[] = [...expectedWeightShapes(config)].map(([name, shape]) => {
    const s = seed++;
    const numel = shape.reduce((x, d) => x * d, 1);
    bytes += numel * (dtype === 'f16' ? 2 : 4);
    // embeddings are looked up, not multiplied: unit-scale rows; norms are ones
    const fanIn = shape.length === 1 ? 0 : name.endsWith('embed_tokens.weight') ? 3 : shape[1];
    return { name, shape, dtype, data: { raw: () => randomWeightChunks(numel, fanIn, s, dtype) } };
  });
  const files = await writeShardedSafetensors(dir, tensors, { maxShardBytes: opts.maxShardBytes, onProgress: opts.onProgress });
  return { files, bytes };
}
