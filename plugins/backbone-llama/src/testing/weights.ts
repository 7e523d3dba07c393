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

/** A `LlamaModel` on `backend` from host weights (the reference side of the loader tests). */
export function modelFromHost(config: ModelConfig, host: HostWeights, backend: Backend): LlamaModel {
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
