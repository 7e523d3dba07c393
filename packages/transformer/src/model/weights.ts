/** Checking a weight map against a config, and random weights for tests and benchmarks. */
import { Rng, ShapeError, fmtShape, shapesEqual, tensor, weightDTypeFor, type Backend, type ModelConfig, type Tensor, type WeightDType } from '@crossedit/core';
import { expectedWeightShapes } from './config.js';

/**
 * Checks that `weights` holds exactly the tensors the network needs (see {@link expectedWeightShapes}),
 * each `f32` (matrices may be `f16`: stored weights) with the expected shape and all on one backend. Throws a `ShapeError` naming the tensor,
 * the expected and the actual shape. Names ending in `rotary_emb.inv_freq` are tolerated (HF buffers).
 *
 * @returns the backend the weights live on
 */
export function validateWeights(config: ModelConfig, weights: ReadonlyMap<string, Tensor>, source = 'weights'): Backend {
  const expected = expectedWeightShapes(config);
  const missing: string[] = [];
  let backend: Backend | null = null;
  for (const [name, shape] of expected) {
    const t = weights.get(name);
    if (!t) {
      missing.push(name);
      continue;
    }
    if (t.isDisposed) throw new ShapeError(`${source}: tensor '${name}' is disposed`);
    if (!shapesEqual(t.shape, shape)) {
      throw new ShapeError(`${source}: tensor '${name}' has shape ${fmtShape(t.shape)}, expected ${fmtShape(shape)}`);
    }
    if (t.dtype !== 'f32' && !(t.dtype === 'f16' && shape.length === 2)) {
      throw new ShapeError(`${source}: tensor '${name}' has dtype ${t.dtype}, expected f32${shape.length === 2 ? ' or f16' : ' (norm vectors stay f32)'}`);
    }
    if (backend && t.backend !== backend) {
      throw new ShapeError(`${source}: tensor '${name}' lives on backend '${t.backend.name}', the others on '${backend.name}'`);
    }
    backend = t.backend;
  }
  if (missing.length) {
    const more = missing.length > 5 ? ` (and ${missing.length - 5} more)` : '';
    throw new ShapeError(
      `${source}: missing tensor '${missing[0]}' (expected shape ${fmtShape(expected.get(missing[0])!)})` +
        (missing.length > 1 ? `; also missing ${missing.slice(1, 5).map((n) => `'${n}'`).join(', ')}${more}` : ''),
    );
  }
  for (const [name, t] of weights) {
    if (expected.has(name) || name.endsWith('rotary_emb.inv_freq')) continue;
    if (name === 'lm_head.weight' && config.tieEmbeddings) {
      if (t === weights.get('model.embed_tokens.weight')) continue;
      throw new ShapeError(`${source}: tensor 'lm_head.weight' was given but the config ties embeddings (tieEmbeddings); drop it or untie`);
    }
    throw new ShapeError(`${source}: unexpected tensor '${name}' ${fmtShape(t.shape)} (not part of a LLaMA network with this config)`);
  }
  return backend!;
}

/** Options of {@link randomWeights}. */
export interface RandomWeightsOptions {
  /** Seed of the generator (default 0). */
  seed?: number;
  /** Backend to place the weights on (default: the current backend). */
  backend?: Backend;
  /** Scale of the linear layers' entries relative to `1/sqrt(fan_in)` (default 1). */
  scale?: number;
  /** Storage dtype of the matrices (default `f32`; norm vectors always f32). */
  dtype?: WeightDType;
}

/**
 * Random weights for a config, with canonical names: linear layers `N(0, scale²/fan_in)`, embeddings
 * `N(0, 1)`, norm scales `1 + N(0, 0.1²)`. Deterministic for a seed.
 *
 * @example
 * ```ts
 * const model = new LlamaModel(cfg, randomWeights(cfg, { seed: 1 }));
 * ```
 */
export function randomWeights(config: ModelConfig, opts: RandomWeightsOptions = {}): Map<string, Tensor> {
  const rng = new Rng(opts.seed ?? 0);
  const scale = opts.scale ?? 1;
  const out = new Map<string, Tensor>();
  for (const [name, shape] of expectedWeightShapes(config)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const v = new Float64Array(n);
    if (shape.length === 1) for (let i = 0; i < n; i++) v[i] = 1 + 0.1 * rng.gaussian();
    else {
      const std = name === 'model.embed_tokens.weight' ? 1 : scale / Math.sqrt(shape[1]);
      for (let i = 0; i < n; i++) v[i] = std * rng.gaussian();
    }
    const t = tensor(v, shape, { backend: opts.backend, dtype: weightDTypeFor(opts.dtype ?? 'f32', shape) });
    t.name = name;
    out.set(name, t);
  }
  return out;
}
