/** Random canonical weights on the host, and models built from them, for backbone tests. */
import { Rng, f16ToF32, f32ToF16, tensor, type Backend, type ModelConfig, type Tensor } from '@crossedit/core';
import { LlamaModel, expectedWeightShapes } from '@crossedit/transformer';

/** Canonical HF-LLaMA name → row-major float32 values. */
export type HostWeights = Map<string, Float32Array>;

/**
 * Random weights for a config by canonical name (linear `N(0, 1/fan_in)`, embeddings `N(0, 1)`, norms
 * `1 + N(0, 0.1²)`), rounded to half precision so that a checkpoint stores the same values as f32 or f16.
 */
export function randomHostWeights(config: ModelConfig, seed = 1): HostWeights {
  const rng = new Rng(seed);
  const out: HostWeights = new Map();
  for (const [name, shape] of expectedWeightShapes(config)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const v = new Float32Array(n);
    const std = shape.length === 1 ? 0.1 : name === 'model.embed_tokens.weight' ? 1 : 1 / Math.sqrt(shape[1]);
    for (let i = 0; i < n; i++) v[i] = f16ToF32(f32ToF16((shape.length === 1 ? 1 : 0) + std * rng.gaussian()));
    out.set(name, v);
  }
  return out;
}

/**
 * A `LlamaModel` on `backend` from host weights (the reference side of the loader tests). Float64 values stay
 * float64 on the CPU backend.
 */
export function modelFromHost(config: ModelConfig, host: ReadonlyMap<string, Float32Array | Float64Array>, backend: Backend): LlamaModel {
  const shapes = expectedWeightShapes(config);
  const w = new Map<string, Tensor>();
  for (const [name, shape] of shapes) w.set(name, tensor(host.get(name)!, shape, { backend }));
  return new LlamaModel(config, w);
}

/** Rows `[from, to)` of a row-major `[rows, cols]` matrix. */
export function rowsOf(a: Float32Array, cols: number, from: number, to: number): Float32Array {
  return a.slice(from * cols, to * cols);
}

/** Row-wise concatenation of row-major matrices with `cols` columns. */
export function concatRows(...parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * The tensors of an HF LLaMA-layout checkpoint holding `host` (canonical names), plus, by default, the
 * `rotary_emb.inv_freq` buffers older `transformers` versions saved in every layer.
 */
export function llamaFileTensors(host: HostWeights, config: ModelConfig, opts: { invFreq?: boolean } = {}): { name: string; shape: readonly number[]; data: Float32Array }[] {
  const out = [...expectedWeightShapes(config)].map(([name, shape]) => ({ name, shape, data: host.get(name)! }));
  if (opts.invFreq ?? true) {
    const dim = config.hiddenSize / config.numHeads;
    const inv = Float32Array.from({ length: dim / 2 }, (_, j) => 1 / Math.pow(config.ropeBase, (2 * j) / dim));
    for (let i = 0; i < config.numLayers; i++) out.push({ name: `model.layers.${i}.self_attn.rotary_emb.inv_freq`, shape: [dim / 2], data: inv });
  }
  return out;
}

/**
 * The tensors of a Baichuan-style checkpoint holding `host`: each layer's q, k and v concatenated row-wise, by
 * hand, into `model.layers.{i}.self_attn.W_pack.weight` (`name` overrides), the rest as {@link llamaFileTensors}.
 */
export function fusedQkvFileTensors(host: HostWeights, config: ModelConfig, name = (i: number) => `model.layers.${i}.self_attn.W_pack.weight`): { name: string; shape: readonly number[]; data: Float32Array }[] {
  const out: { name: string; shape: readonly number[]; data: Float32Array }[] = [];
  for (const t of llamaFileTensors(host, config)) {
    const m = /^model\.layers\.(\d+)\.self_attn\.(q|k|v)_proj\.weight$/.exec(t.name);
    if (!m) out.push(t);
    else if (m[2] === 'q') {
      const p = `model.layers.${m[1]}.self_attn`;
      const data = concatRows(host.get(`${p}.q_proj.weight`)!, host.get(`${p}.k_proj.weight`)!, host.get(`${p}.v_proj.weight`)!);
      out.push({ name: name(Number(m[1])), shape: [data.length / config.hiddenSize, config.hiddenSize], data });
    }
  }
  return out;
}
