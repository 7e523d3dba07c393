/** The decoder-only LLaMA-family network on core ops. */
import {
  ShapeError,
  add,
  cast,
  concat,
  div,
  fmtShape,
  gather,
  maximum,
  norm,
  reshape,
  rmsNorm,
  shapesEqual,
  sliceAxis,
  tidy,
  untrack,
  weightName,
  type Backend,
  type ForwardOptions,
  type ForwardResult,
  type LanguageModel,
  type ModelConfig,
  type Tensor,
  type WeightRef,
} from '@crossedit/core';
import { linear, selfAttention } from './attention.js';
import { LlamaCache, type LayerKV } from './cache.js';
import { expectedWeightShapes, validateConfig } from './config.js';
import { HookTable } from './hook-table.js';
import { arangePositions, attentionBias, causalBias, extendKeyMask, onesMask, positionsFromMask } from './masks.js';
import { gatedMlp } from './mlp.js';
import { validateWeights } from './weights.js';

/** Options of the {@link LlamaModel} constructor. */
export interface LlamaModelOptions {
  /** Names the weights' origin in error messages (a file or directory). */
  source?: string;
}

/**
 * A LLaMA-family decoder (RMSNorm, RoPE, multi-head or grouped-query attention, SiLU-gated MLP, LM
 * head with optional tied embeddings or Baichuan2's NormHead) built from canonical HF-named weights.
 * It owns the weights (they are removed from every `tidy` scope) until {@link LlamaModel.dispose}.
 * Every forward is made of core ops, so it runs and differentiates on any backend.
 *
 * @example
 * ```ts
 * const model = new LlamaModel(cfg, randomWeights(cfg, { seed: 1 }));
 * const logits = tidy(() => model.forward(tensor([1, 5, 9], [1, 3], { dtype: 'i32' })).logits!);
 * ```
 */
export class LlamaModel implements LanguageModel {
  readonly config: ModelConfig;
  /** {@inheritDoc LanguageModel.supportsLogitsAt} */
  readonly supportsLogitsAt = true;
  /** {@inheritDoc LanguageModel.supportsStartAt} */
  readonly supportsStartAt = true;
  /** {@inheritDoc LanguageModel.supportsPrefix} */
  readonly supportsPrefix = true;
  /** {@inheritDoc LanguageModel.supportsAttentionBias} */
  readonly supportsAttentionBias = true;
  readonly backend: Backend;
  readonly #weights: Map<string, Tensor>;
  readonly #source: string;

  /**
   * @param config the architecture
   * @param weights every tensor of {@link expectedWeightShapes} (ownership passes to the model)
   */
  constructor(config: ModelConfig, weights: ReadonlyMap<string, Tensor>, opts: LlamaModelOptions = {}) {
    validateConfig(config);
    this.#source = opts.source ?? 'weights';
    this.backend = validateWeights(config, weights, this.#source);
    this.config = { ...config };
    const expected = expectedWeightShapes(config);
    this.#weights = new Map();
    for (const name of expected.keys()) this.#weights.set(name, untrack(weights.get(name)!));
  }

  /** The weight at a canonical name (throws naming it when absent). */
  #w(name: string): Tensor {
    const t = this.#weights.get(name);
    if (!t) throw new ShapeError(`${this.#source}: no weight '${name}'`);
    return t;
  }

  #name(ref: WeightRef): string {
    if (ref.kind === 'lmHead' && this.config.tieEmbeddings) return 'model.embed_tokens.weight';
    if ('layer' in ref && (!Number.isInteger(ref.layer) || ref.layer < 0 || ref.layer >= this.config.numLayers)) {
      throw new RangeError(`weight ${ref.kind}: layer ${ref.layer} out of range [0, ${this.config.numLayers})`);
    }
    return weightName(ref);
  }

  /** {@inheritDoc LanguageModel.weight} */
  weight(ref: WeightRef): Tensor {
    return this.#w(this.#name(ref));
  }

  /**
   * {@inheritDoc LanguageModel.setWeight} With tied embeddings, `lmHead` and `embed` are one tensor. A
   * matrix may be f32 or f16 (an edited f16 weight is set in f32; restore sets the f16 original back).
   */
  setWeight(ref: WeightRef, value: Tensor): Tensor {
    const name = this.#name(ref);
    const prev = this.#w(name);
    const dtypeOk = value.dtype === 'f32' || (value.dtype === 'f16' && value.rank === 2);
    if (!shapesEqual(prev.shape, value.shape) || !dtypeOk) {
      throw new ShapeError(`setWeight '${name}': got ${value.dtype}${fmtShape(value.shape)}, expected f32${fmtShape(prev.shape)}${prev.rank === 2 ? ' (or f16)' : ''}`);
    }
    if (value.backend !== this.backend) {
      throw new ShapeError(`setWeight '${name}': value lives on '${value.backend.name}', the model on '${this.backend.name}'`);
    }
    this.#weights.set(name, untrack(value));
    return prev;
  }

  /** {@inheritDoc LanguageModel.weights} */
  weights(): ReadonlyMap<string, Tensor> {
    return this.#weights;
  }

  /** {@inheritDoc LanguageModel.createCache} */
  createCache(batch: number): LlamaCache {
    if (!Number.isInteger(batch) || batch <= 0) throw new RangeError(`createCache: batch must be a positive integer, got ${batch}`);
    return new LlamaCache(batch, this.config.numLayers, this);
  }

  /** {@inheritDoc LanguageModel.dispose} */
  dispose(): void {
    for (const t of this.#weights.values()) t.dispose();
    this.#weights.clear();
  }

  /** The LM head matrix `[V, D]` as used at run time (row-normalised under NormHead). */
  headMatrix(): Tensor {
    const w = this.weight({ kind: 'lmHead' });
    if (!this.config.normHead) return w;
    const w32 = w.dtype === 'f16' ? cast(w, 'f32') : w; // NormHead normalises in f32
    return div(w32, maximum(norm(w32, -1, true), 1e-12));
  }

  /**
   * Forward pass on `ids: [B, S]` (i32). With a cache, `ids` are the new tokens; the attention mask
   * may cover the new tokens (`[B, S]`) or all tokens (`[B, cache.length + S]`); the same with a
   * read-only `prefix` cache, which is left as it is (see {@link ForwardOptions.prefix}). Hooks run at the
   * points documented on `ModuleRef`; see {@link ForwardOptions}. Intermediate tensors are released;
   * `logits` and `hidden` belong to the caller's scope.
   */
  forward(ids: Tensor, opts: ForwardOptions = {}): ForwardResult {
    const cfg = this.config;
    if (ids.dtype !== 'i32' || ids.rank !== 2) throw new ShapeError(`forward: ids must be i32 [B, S], got ${ids.describe()}`);
    const [b, s] = ids.shape;
    const hooks = new HookTable(opts.hooks, cfg);
    const last = opts.stopAfterLayer ?? cfg.numLayers - 1;
    if (!Number.isInteger(last) || last < 0 || last >= cfg.numLayers) {
      throw new RangeError(`forward: stopAfterLayer ${opts.stopAfterLayer} out of range [0, ${cfg.numLayers})`);
    }
    const cache = opts.cache;
    if (cache !== undefined) {
      if (!(cache instanceof LlamaCache) || cache.owner !== this) throw new TypeError('forward: the cache was not created by this model (use model.createCache)');
      if (cache.batch !== b) throw new ShapeError(`forward: cache serves ${cache.batch} rows, ids have ${b}`);
      if (opts.stopAfterLayer !== undefined && last !== cfg.numLayers - 1) {
        throw new RangeError('forward: stopAfterLayer cannot be combined with a cache (later layers would miss their keys)');
      }
    }
    const prefix = opts.prefix;
    if (prefix !== undefined) {
      if (!(prefix instanceof LlamaCache) || prefix.owner !== this) throw new TypeError('forward: the prefix was not created by this model (use model.createCache)');
      if (cache !== undefined) throw new RangeError('forward: prefix cannot be combined with a cache (give the cache alone to extend it)');
      if (prefix.batch !== b && prefix.batch !== 1) throw new ShapeError(`forward: prefix serves ${prefix.batch} rows, ids have ${b} (a prefix of 1 row serves any batch)`);
    }
    // a one-row prefix shared by every row of the batch: its tensors are repeated B times per use
    const repeat = prefix && prefix.batch === 1 && b > 1 ? b : 0;
    const rows = (t: Tensor): Tensor => (repeat ? concat(new Array<Tensor>(repeat).fill(t), 0) : t);
    // the cache the pass attends to: extended (cache) or read only (prefix)
    const attended = cache ?? prefix;
    const past = attended?.length ?? 0;
    if (past + s > cfg.maxPositions) throw new RangeError(`forward: ${past + s} tokens exceed maxPositions ${cfg.maxPositions}`);
    const m = opts.attentionMask;
    if (m && (m.dtype !== 'f32' || m.rank !== 2 || m.shape[0] !== b || (m.shape[1] !== s && m.shape[1] !== past + s))) {
      throw new ShapeError(`forward: attentionMask must be f32 [${b}, ${s}]${past ? ` or [${b}, ${past + s}]` : ''}, got ${m.describe()}`);
    }
    if (opts.logitsAt && (opts.logitsAt.dtype !== 'i32' || opts.logitsAt.rank !== 1)) {
      throw new ShapeError(`forward: logitsAt must be i32 [N] (flat indices into B·S = ${b * s}), got ${opts.logitsAt.describe()}`);
    }
    const start = opts.startAt;
    if (start) {
      if (!Number.isInteger(start.layer) || start.layer < 0 || start.layer > cfg.numLayers) throw new RangeError(`forward: startAt.layer ${start.layer} out of range [0, ${cfg.numLayers}]`);
      if (start.layer > last + 1) throw new RangeError(`forward: startAt.layer ${start.layer} is past stopAfterLayer ${last}`);
      if (cache) throw new RangeError('forward: startAt cannot be combined with a cache (the skipped layers would miss their keys)');
      if (start.hidden.dtype !== 'f32' || !shapesEqual(start.hidden.shape, [b, s, cfg.hiddenSize])) {
        throw new ShapeError(`forward: startAt.hidden must be f32 [${b}, ${s}, ${cfg.hiddenSize}], got ${start.hidden.describe()}`);
      }
    }
    const extra = opts.attentionBias;
    if (extra !== undefined) {
      if (attended) throw new RangeError('forward: attentionBias cannot be combined with a cache or a prefix');
      const list = Array.isArray(extra) ? (extra as readonly (Tensor | null)[]) : null;
      if (list && list.length !== cfg.numLayers) throw new RangeError(`forward: attentionBias has ${list.length} entries, the model has ${cfg.numLayers} layers`);
      for (const t of list ?? [extra as Tensor]) {
        if (t && (t.dtype !== 'f32' || !shapesEqual(t.shape, [b, 1, s, s]))) throw new ShapeError(`forward: attentionBias must be f32 [${b}, 1, ${s}, ${s}], got ${t.describe()}`);
      }
    }
    if (opts.positions && (opts.positions.dtype !== 'i32' || !shapesEqual(opts.positions.shape, [b, s]))) {
      throw new ShapeError(`forward: positions must be i32 [${b}, ${s}], got ${opts.positions.describe()}`);
    }

    return tidy(() => {
      let positions: Tensor;
      let bias: Tensor;
      let keyMask: Tensor | null = null;
      let count: Tensor | null = null;
      // the plain causal bias: attention may skip the later keys instead of adding -1e9 to them
      const causal = !m && !attended;
      if (causal) {
        // fast path: no padding, no cache — positions and the causal bias are known on the host
        positions = opts.positions ?? arangePositions(b, s, this.backend);
        bias = causalBias(s, this.backend);
      } else {
        const newMask = !m ? onesMask(b, s, this.backend) : m.shape[1] === s ? m : sliceAxis(m, 1, past, past + s);
        const derived = positionsFromMask(newMask, attended?.realCount ?? null);
        positions = opts.positions ?? derived.positions;
        count = derived.count;
        const pastMask = attended?.keyMask ?? null;
        keyMask = m && m.shape[1] === past + s && past > 0 ? m : extendKeyMask(pastMask && rows(pastMask), newMask);
        bias = attentionBias(keyMask, past, s);
      }

      let h = start ? start.hidden : hooks.run({ kind: 'embed' }, 'output', gather(this.weight({ kind: 'embed' }), ids));
      const kvs: LayerKV[] = [];
      for (let layer = start?.layer ?? 0; layer <= last; layer++) {
        const r = tidy(() => {
          const kv = attended?.layer(layer) ?? null;
          const more = extra === undefined ? null : Array.isArray(extra) ? (extra as readonly (Tensor | null)[])[layer] : (extra as Tensor);
          // the extra bias only adds to the scores, so the causal skip of later keys stays valid
          const out = this.#layer(layer, h, positions, more ? add(bias, more) : bias, causal, kv && { k: rows(kv.k), v: rows(kv.v) }, hooks);
          return { h: out.h, kv: cache ? out.kv : null };
        });
        h = r.h;
        if (r.kv) kvs.push(r.kv);
      }
      if (cache) cache.commit(kvs, reshape(keyMask!, keyMask!.shape), count!, past + s);
      if (last < cfg.numLayers - 1) return { hidden: h };

      // with logitsAt the head runs on the selected rows only (the `final` hooks see [N, D])
      const at = opts.logitsAt;
      if (!at) h = hooks.run({ kind: 'final' }, 'input', h);
      const headIn = at ? hooks.run({ kind: 'final' }, 'input', gather(reshape(h, [b * s, cfg.hiddenSize]), at)) : h;
      let f = rmsNorm(headIn, this.weight({ kind: 'norm.final' }), cfg.rmsNormEps);
      f = hooks.run({ kind: 'final' }, 'output', f);
      f = hooks.run({ kind: 'logits' }, 'input', f);
      const logits = hooks.run({ kind: 'logits' }, 'output', linear(f, this.headMatrix()));
      return { logits, hidden: h };
    });
  }

  #layer(layer: number, x: Tensor, positions: Tensor, bias: Tensor, causal: boolean, past: LayerKV | null, hooks: HookTable): { h: Tensor; kv: LayerKV } {
    const cfg = this.config;
    const w = (kind: Exclude<WeightRef, { kind: 'embed' | 'lmHead' | 'norm.final' }>['kind']) => this.weight({ kind, layer });
    let h = hooks.run({ kind: 'layer', layer }, 'input', x);
    const aIn = hooks.run({ kind: 'attn', layer }, 'input', rmsNorm(h, w('norm.attn'), cfg.rmsNormEps));
    const att = selfAttention(aIn, { q: w('attn.q'), k: w('attn.k'), v: w('attn.v'), o: w('attn.o') }, positions, bias, past, cfg, causal);
    h = add(h, hooks.run({ kind: 'attn', layer }, 'output', att.out));
    const mIn = hooks.run({ kind: 'mlp', layer }, 'input', rmsNorm(h, w('norm.mlp'), cfg.rmsNormEps));
    const mOut = gatedMlp(mIn, { gate: w('mlp.gate'), up: w('mlp.up'), down: w('mlp.down') }, layer, hooks);
    h = add(h, hooks.run({ kind: 'mlp', layer }, 'output', mOut));
    h = hooks.run({ kind: 'layer', layer }, 'output', h);
    return { h, kv: att.kv };
  }
}
