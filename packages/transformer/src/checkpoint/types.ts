/** The common checkpoint-reader contract shared by the safetensors, PyTorch `.bin` and GGUF readers. */
import type { StorageDType } from '@crossedit/core';
import type { LoadDType, ReadAsOptions, ReadAsResult } from './read-as.js';

/** A block-quantised GGML tensor type (GGUF only). */
export type GgmlQuantDType =
  | 'q4_0'
  | 'q4_1'
  | 'q5_0'
  | 'q5_1'
  | 'q8_0'
  | 'q8_1'
  | 'q2_k'
  | 'q3_k'
  | 'q4_k'
  | 'q5_k'
  | 'q6_k'
  | 'q8_k';

/** The dtype a tensor has in its file: a plain storage dtype or a GGML quantised block format. */
export type CheckpointDType = StorageDType | GgmlQuantDType;

/** The container format of a checkpoint. */
export type CheckpointFormat = 'safetensors' | 'pytorch' | 'gguf';

/** One tensor of a checkpoint, as listed (nothing is read). */
export interface TensorEntry {
  /** The tensor's name in the file (e.g. `model.layers.0.mlp.down_proj.weight`, or `blk.0.ffn_down.weight` in GGUF). */
  readonly name: string;
  /** The dtype the tensor is stored in. */
  readonly dtype: CheckpointDType;
  /** PyTorch-order shape (outermost first; GGUF's innermost-first dims are reversed). */
  readonly shape: readonly number[];
  /** The file that holds the tensor's bytes (a shard's path for sharded checkpoints). */
  readonly file: string;
}

/** Options of {@link CheckpointReader.read}. */
export interface ReadOptions {
  /** The shape the caller expects; a different stored shape is a `FormatError` naming the file and tensor. */
  shape?: readonly number[];
}

/**
 * A checkpoint opened for streaming reads: the header is parsed on open, tensor bytes are read by file ranges
 * one tensor at a time, so at most one tensor's raw bytes exist next to its `Float32Array`.
 *
 * @example
 * ```ts
 * const ckpt = await openCheckpoint('/models/llama-7b');
 * for (const e of ckpt.list()) console.log(e.name, e.dtype, e.shape);
 * const w = await ckpt.read('model.layers.0.mlp.down_proj.weight', { shape: [4096, 11008] });
 * await ckpt.close();
 * ```
 */
export interface CheckpointReader {
  /** The path that was opened (file, index file or directory entry point). */
  readonly path: string;
  /** The container format. */
  readonly format: CheckpointFormat;
  /**
   * Free-form metadata: safetensors `__metadata__` (strings), GGUF key/values (hyperparameters and the
   * embedded tokenizer, e.g. `tokenizer.ggml.tokens`), the index file's `metadata` for sharded checkpoints.
   */
  readonly metadata: Readonly<Record<string, unknown>>;
  /** Every tensor, in file order. */
  list(): TensorEntry[];
  /** Whether a tensor of that name exists. */
  has(name: string): boolean;
  /** The entry of a tensor; a `FormatError` naming the file and tensor when it does not exist. */
  entry(name: string): TensorEntry;
  /**
   * Reads a tensor converted to float32 (from f32, f16, bf16, f64; GGUF Q8_0/Q4_0/Q4_1 are dequantised).
   * Integer dtypes and unsupported quantisations are a `FormatError` (use {@link readRaw}).
   */
  read(name: string, opts?: ReadOptions): Promise<Float32Array>;
  /**
   * Reads a tensor as the dtype its device storage will have (float32, or f16 bits), into `opts.into` when that
   * buffer is large enough, through a bounded scratch; f16 results count values past ±65504. Readers without it
   * are read through {@link read} and converted (see `readTensorAs`).
   */
  readAs?(name: string, dtype: LoadDType, opts?: ReadAsOptions): Promise<ReadAsResult>;
  /** The tensor's stored bytes, little-endian, row-major (non-contiguous PyTorch views are gathered). */
  readRaw?(name: string): Promise<Uint8Array>;
  /** Closes the file handles. */
  close(): Promise<void>;
}
