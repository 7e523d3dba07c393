/**
 * GGUF LLaMA checkpoints in HF layout: llama.cpp tensor names mapped to HF names, and the q/k projection rows
 * un-permuted from GGUF's interleaved-RoPE order to HF's `rotate_half` order, so one loader serves every format.
 */
import { FormatError, type ModelConfig } from '@crossedit/core';
import { checkShape, missingTensorError } from './base-reader.js';
import { GgufReader } from './gguf.js';
import type { CheckpointReader, ReadOptions, TensorEntry } from './types.js';

const LAYER_NAMES: Readonly<Record<string, string>> = {
  attn_q: 'self_attn.q_proj',
  attn_k: 'self_attn.k_proj',
  attn_v: 'self_attn.v_proj',
  attn_output: 'self_attn.o_proj',
  attn_norm: 'input_layernorm',
  ffn_gate: 'mlp.gate_proj',
  ffn_up: 'mlp.up_proj',
  ffn_down: 'mlp.down_proj',
  ffn_norm: 'post_attention_layernorm',
};

/**
 * The HF LLaMA name of a llama.cpp GGUF tensor (`blk.3.ffn_down.weight` → `model.layers.3.mlp.down_proj.weight`),
 * `null` for tensors HF does not store (`rope_freqs.weight`), the name unchanged when it is not a LLaMA tensor.
 */
export function ggufLlamaName(name: string): string | null {
  if (name === 'token_embd.weight') return 'model.embed_tokens.weight';
  if (name === 'output_norm.weight') return 'model.norm.weight';
  if (name === 'output.weight') return 'lm_head.weight';
  if (name === 'rope_freqs.weight') return null;
  const m = /^blk\.(\d+)\.([a-z_]+)\.(weight|bias)$/.exec(name);
  if (m && LAYER_NAMES[m[2]]) return `model.layers.${m[1]}.${LAYER_NAMES[m[2]]}.${m[3]}`;
  return name;
}

/**
 * Un-permutes the rows of a GGUF q/k projection `[nHeads·headDim, cols]` from interleaved-pair RoPE order
 * to HF `rotate_half` order: HF row `h·hd + j·hd/2 + i` = GGUF row `h·hd + 2i + j` (the inverse of llama.cpp's
 * `permute` in its HF converter).
 */
export function unpermuteGgufRope(w: Float32Array, rows: number, cols: number, nHeads: number): Float32Array {
  const hd = rows / nHeads;
  if (!Number.isInteger(hd) || hd % 2 !== 0 || w.length !== rows * cols) {
    throw new RangeError(`unpermuteGgufRope: ${rows} rows × ${cols} cols do not split into ${nHeads} heads of even size`);
  }
  const half = hd / 2;
  const out = new Float32Array(w.length);
  for (let h = 0; h < nHeads; h++) {
    for (let j = 0; j < 2; j++) {
      for (let i = 0; i < half; i++) {
        const dst = (h * hd + j * half + i) * cols;
        const src = (h * hd + 2 * i + j) * cols;
        out.set(w.subarray(src, src + cols), dst);
      }
    }
  }
  return out;
}

function num(r: GgufReader, key: string, fallback?: number): number {
  const v = r.metadata[key] ?? fallback;
  if (typeof v !== 'number') throw new FormatError(r.path, `GGUF metadata '${key}' is ${v === undefined ? 'missing' : String(v)}, expected a number`);
  return v;
}

/** The GGUF metadata key each `ModelConfig` field is read from (vocabSize: the tokenizer's token list when present). */
export const GGUF_LLAMA_KEYS: Readonly<Partial<Record<keyof ModelConfig, string>>> = {
  vocabSize: 'tokenizer.ggml.tokens',
  hiddenSize: 'llama.embedding_length',
  intermediateSize: 'llama.feed_forward_length',
  numLayers: 'llama.block_count',
  numHeads: 'llama.attention.head_count',
  numKvHeads: 'llama.attention.head_count_kv',
  rmsNormEps: 'llama.attention.layer_norm_rms_epsilon',
  ropeBase: 'llama.rope.freq_base',
  maxPositions: 'llama.context_length',
};

/** The model configuration from a LLaMA GGUF's `llama.*` metadata. */
export function ggufLlamaConfig(r: GgufReader): ModelConfig {
  const arch = r.metadata['general.architecture'];
  if (arch !== 'llama') throw new FormatError(r.path, `general.architecture is '${String(arch)}', expected 'llama'`);
  const tokens = r.metadata['tokenizer.ggml.tokens'];
  const numHeads = num(r, 'llama.attention.head_count');
  return {
    vocabSize: Array.isArray(tokens) ? tokens.length : num(r, 'llama.vocab_size'),
    hiddenSize: num(r, 'llama.embedding_length'),
    intermediateSize: num(r, 'llama.feed_forward_length'),
    numLayers: num(r, 'llama.block_count'),
    numHeads,
    numKvHeads: num(r, 'llama.attention.head_count_kv', numHeads),
    rmsNormEps: num(r, 'llama.attention.layer_norm_rms_epsilon'),
    ropeBase: num(r, 'llama.rope.freq_base', 10000),
    maxPositions: num(r, 'llama.context_length'),
    tieEmbeddings: !r.has('output.weight'),
  };
}

/**
 * A LLaMA GGUF seen as an HF checkpoint: HF tensor names, q/k rows in `rotate_half` order.
 *
 * @example
 * ```ts
 * const ckpt = await GgufLlamaReader.open('../shared/models/stories260k/stories260K.gguf');
 * const cfg = ckpt.config; // { hiddenSize: 64, numLayers: 5, numHeads: 8, numKvHeads: 4, ... }
 * const wq = await ckpt.read('model.layers.0.self_attn.q_proj.weight');
 * ```
 */
export class GgufLlamaReader implements CheckpointReader {
  readonly format = 'gguf' as const;
  /** The configuration read from the metadata. */
  readonly config: ModelConfig;
  private readonly names = new Map<string, string>();

  constructor(
    /** The underlying GGUF reader (llama.cpp names). */
    readonly gguf: GgufReader,
  ) {
    this.config = ggufLlamaConfig(gguf);
    for (const e of gguf.list()) {
      const hf = ggufLlamaName(e.name);
      if (hf !== null) this.names.set(hf, e.name);
    }
  }

  /** Opens a LLaMA GGUF file. */
  static async open(path: string): Promise<GgufLlamaReader> {
    const g = await GgufReader.open(path);
    try {
      return new GgufLlamaReader(g);
    } catch (e) {
      await g.close();
      throw e;
    }
  }

  get path(): string {
    return this.gguf.path;
  }

  get metadata(): Readonly<Record<string, unknown>> {
    return this.gguf.metadata;
  }

  list(): TensorEntry[] {
    return [...this.names.keys()].map((n) => this.entry(n));
  }

  has(name: string): boolean {
    return this.names.has(name);
  }

  entry(name: string): TensorEntry {
    return { ...this.gguf.entry(this.ggufName(name)), name };
  }

  async read(name: string, opts: ReadOptions = {}): Promise<Float32Array> {
    const e = this.entry(name);
    checkShape(e.file, name, e.shape, opts.shape);
    const w = await this.gguf.read(this.ggufName(name));
    const qk = /\.self_attn\.(q|k)_proj\.weight$/.exec(name);
    if (!qk) return w;
    const heads = qk[1] === 'q' ? this.config.numHeads : this.config.numKvHeads;
    return unpermuteGgufRope(w, e.shape[0], e.shape[1] ?? 1, heads);
  }

  async close(): Promise<void> {
    await this.gguf.close();
  }

  private ggufName(name: string): string {
    const g = this.names.get(name);
    if (g === undefined) throw missingTensorError(this.path, name, this.names.keys());
    return g;
  }
}
