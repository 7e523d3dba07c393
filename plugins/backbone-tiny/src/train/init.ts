/** Initial weights of a model trained from scratch (GPT-2 style). */
import { Rng, tensor, type Backend, type ModelConfig, type Tensor } from '@crossedit/core';
import { expectedWeightShapes } from '@crossedit/transformer';

/**
 * Initial weights with canonical HF names: every matrix `N(0, 0.02²)` (the residual outputs `o_proj` and
 * `down_proj` scaled by `1/sqrt(2·layers)`), norm scales 1. Deterministic for a seed.
 *
 * @example
 * ```ts
 * const model = new LlamaModel(cfg, initWeights(cfg, 1));
 * ```
 */
export function initWeights(config: ModelConfig, seed: number, backend?: Backend): Map<string, Tensor> {
  const rng = new Rng(seed);
  const out = new Map<string, Tensor>();
  const residual = 0.02 / Math.sqrt(2 * config.numLayers);
  for (const [name, shape] of expectedWeightShapes(config)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const v = new Float64Array(n);
    if (shape.length === 1) v.fill(1);
    else {
      const std = /o_proj|down_proj/.test(name) ? residual : 0.02;
      for (let i = 0; i < n; i++) v[i] = std * rng.gaussian();
    }
    const t = tensor(v, shape, { backend });
    t.name = name;
    out.set(name, t);
  }
  return out;
}
