/** The BERT encoder network (HF `BertModel` without the pooler) on core ops. */
import {
  ShapeError,
  add,
  fmtShape,
  gather,
  matmul,
  mul,
  relu,
  reshape,
  shapesEqual,
  softmax,
  sub,
  tensor,
  transpose,
  untrack,
  type Backend,
  type Tensor,
} from '@crossedit/core';
import { gelu, geluTanh, layerNorm } from './activations.js';
import { bertWeightShapes, type BertConfig } from './config.js';

/** Additive score of masked keys (vanishes under softmax, stays finite in f32). */
const MASKED = -1e9;

/**
 * A BERT encoder built from HF-named weights (`embeddings.*`, `encoder.layer.{i}.*`). Bidirectional
 * self-attention with a key padding mask, post-LayerNorm residual blocks, absolute positions. It owns
 * the weights (removed from every `tidy` scope) until {@link BertModel.dispose}.
 *
 * @example
 * ```ts
 * const bert = new BertModel(cfg, weights);
 * const hidden = tidy(() => bert.forward(ids, mask)); // [B, S, D]
 * ```
 */
export class BertModel {
  readonly config: BertConfig;
  readonly backend: Backend;
  readonly #w: Map<string, Tensor>;

  /**
   * @param weights every tensor of {@link bertWeightShapes}, f32, on one backend (ownership passes to the model)
   * @param source names the weights' origin in error messages
   */
  constructor(config: BertConfig, weights: ReadonlyMap<string, Tensor>, source = 'weights') {
    const expected = bertWeightShapes(config);
    let backend: Backend | null = null;
    this.#w = new Map();
    for (const [name, shape] of expected) {
      const t = weights.get(name);
      if (!t) throw new ShapeError(`${source}: missing tensor '${name}' (expected shape ${fmtShape(shape)})`);
      if (!shapesEqual(t.shape, shape)) throw new ShapeError(`${source}: tensor '${name}' has shape ${fmtShape(t.shape)}, expected ${fmtShape(shape)}`);
      if (t.dtype !== 'f32') throw new ShapeError(`${source}: tensor '${name}' has dtype ${t.dtype}, expected f32`);
      if (backend && t.backend !== backend) throw new ShapeError(`${source}: tensor '${name}' lives on backend '${t.backend.name}', the others on '${backend.name}'`);
      backend = t.backend;
      this.#w.set(name, untrack(t));
    }
    this.config = { ...config };
    this.backend = backend!;
  }

  #get(name: string): Tensor {
    return this.#w.get(name)!;
  }

  #dense(x: Tensor, prefix: string): Tensor {
    return add(matmul(x, this.#get(`${prefix}.weight`), { transB: true }), this.#get(`${prefix}.bias`));
  }

  #norm(x: Tensor, prefix: string): Tensor {
    return layerNorm(x, this.#get(`${prefix}.weight`), this.#get(`${prefix}.bias`), this.config.layerNormEps);
  }

  #act(x: Tensor): Tensor {
    const a = this.config.activation;
    return a === 'gelu' ? gelu(x) : a === 'gelu_tanh' ? geluTanh(x) : relu(x);
  }

  /**
   * The last hidden state `[B, S, D]` for `ids: [B, S]` (i32) and `mask: [B, S]` (f32, 1 for real
   * tokens). Token types are all 0 unless `typeIds` is given; positions are `0..S-1` (right padding).
   */
  forward(ids: Tensor, mask: Tensor, typeIds?: Tensor): Tensor {
    const cfg = this.config;
    const [b, s] = ids.shape;
    if (ids.rank !== 2 || !shapesEqual(mask.shape, ids.shape)) {
      throw new ShapeError(`BertModel.forward: ids ${ids.describe()} and mask ${mask.describe()} must both be [B, S]`);
    }
    if (s > cfg.maxPositions) throw new ShapeError(`BertModel.forward: ${s} tokens exceed max_position_embeddings ${cfg.maxPositions}`);
    const be = ids.backend;
    const pos = new Int32Array(b * s);
    for (let i = 0; i < b * s; i++) pos[i] = i % s;
    const types = typeIds ?? tensor(new Int32Array(b * s), [b, s], { backend: be, dtype: 'i32' });
    let x = add(
      add(gather(this.#get('embeddings.word_embeddings.weight'), ids), gather(this.#get('embeddings.position_embeddings.weight'), tensor(pos, [b, s], { backend: be, dtype: 'i32' }))),
      gather(this.#get('embeddings.token_type_embeddings.weight'), types),
    );
    x = this.#norm(x, 'embeddings.LayerNorm');
    const h = cfg.numHeads;
    const dh = cfg.hiddenSize / h;
    // [B, 1, 1, S]: 0 for real keys, MASKED for padding
    const bias = mul(sub(1, reshape(mask, [b, 1, 1, s])), MASKED);
    const heads = (t: Tensor) => transpose(reshape(t, [b, s, h, dh]), [0, 2, 1, 3]);
    for (let i = 0; i < cfg.numLayers; i++) {
      const p = `encoder.layer.${i}`;
      const q = heads(this.#dense(x, `${p}.attention.self.query`));
      const k = heads(this.#dense(x, `${p}.attention.self.key`));
      const v = heads(this.#dense(x, `${p}.attention.self.value`));
      const scores = add(mul(matmul(q, k, { transB: true }), 1 / Math.sqrt(dh)), bias);
      const ctx = reshape(transpose(matmul(softmax(scores), v), [0, 2, 1, 3]), [b, s, cfg.hiddenSize]);
      x = this.#norm(add(this.#dense(ctx, `${p}.attention.output.dense`), x), `${p}.attention.output.LayerNorm`);
      const ff = this.#dense(this.#act(this.#dense(x, `${p}.intermediate.dense`)), `${p}.output.dense`);
      x = this.#norm(add(ff, x), `${p}.output.LayerNorm`);
    }
    return x;
  }

  /** Every weight by its HF name. */
  weights(): ReadonlyMap<string, Tensor> {
    return this.#w;
  }

  /** Releases the weights. */
  dispose(): void {
    for (const t of this.#w.values()) t.dispose();
    this.#w.clear();
  }
}
