/**
 * Tiny LLaMA GGUF files (v3, the llama.cpp layout) for loader tests: llama.cpp tensor names, `llama.*`
 * metadata, dims innermost first, and the q/k projection rows permuted to interleaved-pair RoPE order as
 * llama.cpp's HF converter does, so that a loader must un-permute them to match the HF-layout reference.
 */
import { writeFileSync } from 'node:fs';
import { f32ToF16, type ModelConfig } from '@crossedit/core';
import { expectedWeightShapes } from '@crossedit/transformer';
import type { HostWeights } from './host-weights.js';

/** Options of {@link writeLlamaGguf}. */
export interface WriteGgufOptions {
  /** Stored dtype of the matrices (default `'f32'`; norms are always F32, as llama.cpp writes them). */
  dtype?: 'f32' | 'f16';
}

const HF_TO_GGUF: Readonly<Record<string, string>> = {
  'self_attn.q_proj': 'attn_q',
  'self_attn.k_proj': 'attn_k',
  'self_attn.v_proj': 'attn_v',
  'self_attn.o_proj': 'attn_output',
  input_layernorm: 'attn_norm',
  'mlp.gate_proj': 'ffn_gate',
  'mlp.up_proj': 'ffn_up',
  'mlp.down_proj': 'ffn_down',
  post_attention_layernorm: 'ffn_norm',
};

/** The llama.cpp name of an HF LLaMA tensor (`model.layers.3.mlp.down_proj.weight` → `blk.3.ffn_down.weight`). */
export function ggufNameOf(hf: string): string {
  if (hf === 'model.embed_tokens.weight') return 'token_embd.weight';
  if (hf === 'model.norm.weight') return 'output_norm.weight';
  if (hf === 'lm_head.weight') return 'output.weight';
  const m = /^model\.layers\.(\d+)\.(.+)\.weight$/.exec(hf);
  if (!m || !HF_TO_GGUF[m[2]]) throw new Error(`ggufNameOf: no llama.cpp name for '${hf}'`);
  return `blk.${m[1]}.${HF_TO_GGUF[m[2]]}.weight`;
}

/**
 * Permutes the rows of an HF q/k projection `[nHeads·headDim, cols]` to interleaved-pair RoPE order: GGUF row
 * `h·hd + 2i + j` = HF row `h·hd + j·hd/2 + i` (llama.cpp's `permute`).
 */
export function permuteToGguf(w: Float32Array, rows: number, cols: number, nHeads: number): Float32Array {
  const hd = rows / nHeads;
  const half = hd / 2;
  const out = new Float32Array(w.length);
  for (let h = 0; h < nHeads; h++) {
    for (let j = 0; j < 2; j++) {
      for (let i = 0; i < half; i++) {
        const src = (h * hd + j * half + i) * cols;
        out.set(w.subarray(src, src + cols), (h * hd + 2 * i + j) * cols);
      }
    }
  }
  return out;
}

/** Little-endian byte sink. */
class Bytes {
  private readonly parts: Uint8Array[] = [];
  length = 0;
  push(b: Uint8Array): void {
    this.parts.push(b);
    this.length += b.length;
  }
  u32(v: number): void {
    this.push(new Uint8Array(new Uint32Array([v]).buffer));
  }
  u64(v: number): void {
    this.push(new Uint8Array(new BigUint64Array([BigInt(v)]).buffer));
  }
  f32(v: number): void {
    this.push(new Uint8Array(new Float32Array([v]).buffer));
  }
  str(s: string): void {
    const b = new TextEncoder().encode(s);
    this.u64(b.length);
    this.push(b);
  }
  padTo(align: number): void {
    this.push(new Uint8Array((align - (this.length % align)) % align));
  }
  concat(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

const GGUF_U32 = 4;
const GGUF_F32 = 6;
const GGUF_STRING = 8;
const ALIGN = 32;

/**
 * Writes `host` (canonical HF names, {@link randomHostWeights}) as a LLaMA GGUF v3 file at `path`, with the
 * `llama.*` metadata of `config` (no tokenizer: the vocabulary size is `llama.vocab_size`).
 */
export function writeLlamaGguf(path: string, host: HostWeights, config: ModelConfig, opts: WriteGgufOptions = {}): void {
  const dtype = opts.dtype ?? 'f32';
  const kv: [string, number, (b: Bytes) => void][] = [
    ['general.architecture', GGUF_STRING, (b) => b.str('llama')],
    ['llama.vocab_size', GGUF_U32, (b) => b.u32(config.vocabSize)],
    ['llama.embedding_length', GGUF_U32, (b) => b.u32(config.hiddenSize)],
    ['llama.feed_forward_length', GGUF_U32, (b) => b.u32(config.intermediateSize)],
    ['llama.block_count', GGUF_U32, (b) => b.u32(config.numLayers)],
    ['llama.attention.head_count', GGUF_U32, (b) => b.u32(config.numHeads)],
    ['llama.attention.head_count_kv', GGUF_U32, (b) => b.u32(config.numKvHeads)],
    ['llama.attention.layer_norm_rms_epsilon', GGUF_F32, (b) => b.f32(config.rmsNormEps)],
    ['llama.rope.freq_base', GGUF_F32, (b) => b.f32(config.ropeBase)],
    ['llama.context_length', GGUF_U32, (b) => b.u32(config.maxPositions)],
  ];
  const tensors = [...expectedWeightShapes(config)].map(([name, shape]) => {
    let data = host.get(name);
    if (!data) throw new Error(`writeLlamaGguf: host weights have no '${name}'`);
    const kind = /\.(q_proj|k_proj)\.weight$/.exec(name)?.[1];
    if (kind) data = permuteToGguf(data, shape[0], shape[1], kind === 'q_proj' ? config.numHeads : config.numKvHeads);
    const half = dtype === 'f16' && shape.length === 2;
    const bytes = half ? new Uint8Array(Uint16Array.from(data, f32ToF16).buffer) : new Uint8Array(Float32Array.from(data).buffer);
    return { name: ggufNameOf(name), dims: [...shape].reverse(), type: half ? 1 : 0, bytes };
  });
  const b = new Bytes();
  b.push(new TextEncoder().encode('GGUF'));
  b.u32(3);
  b.u64(tensors.length);
  b.u64(kv.length);
  for (const [key, type, write] of kv) {
    b.str(key);
    b.u32(type);
    write(b);
  }
  let offset = 0;
  for (const t of tensors) {
    b.str(t.name);
    b.u32(t.dims.length);
    for (const d of t.dims) b.u64(d);
    b.u32(t.type);
    b.u64(offset);
    offset += Math.ceil(t.bytes.length / ALIGN) * ALIGN;
  }
  b.padTo(ALIGN);
  for (const t of tensors) {
    b.push(t.bytes);
    b.padTo(ALIGN);
  }
  writeFileSync(path, b.concat());
}
