/**
 * The scope classifier of the embedded default: a bag of the backbone's own (frozen) token embeddings,
 * weighted per token and mapped by a learned projection. It reads token ids, so the same code embeds the
 * evaluator's rows on the device without a read-back. SERAC's similarity is `exp(−‖e(c) − e(x)‖²)`
 * (EasyEdit `square: true`, `cos: false`, scale fixed at 1). The reference's DistilBERT is a 66M-parameter
 * encoder; this one has `V + k·D` parameters (+1 with `normalize`), small enough to train here in minutes.
 *
 * Two poolings (`ClassifierArch.pool`):
 * - `'mean'` (serac@2's): `e = P · Σ_t g[t] E[t] / n` — a gate near 0 shrinks the vector but still counts
 *   in n, so texts of different lengths get different norms;
 * - `'attn'`: `e = P · Σ_t a_t E[t]` with `a_t = exp(θ[t]) / Σ_u exp(θ[u])` over the row's tokens — a
 *   learned per-token importance (an attention pooling keyed by the token alone), scale-free in length.
 *
 * With `normalize`, `e ← α · e / ‖e‖` (α learned): the squared distance is `2α²(1 − cos)`, a cosine
 * similarity with a learned temperature.
 */
import { div, exp, gather, matmul, maximum, mul, reshape, sqrt, square, sum, tensor, untrack, type Backend, type Tensor } from '@crossedit/core';
import type { BertClassifierArch } from './bert-classifier.js';
import type { MemoryEntry } from './memory.js';

/** Architecture of the classifier (recorded in the artifact). */
export interface ClassifierArch {
  kind: 'bag';
  /** Output width k. */
  width: number;
  /** The projection starts as `projInit · I` (k = D) or `projInit ·` a scaled random matrix. */
  projInit: number;
  /** Pooling of the token embeddings (absent: `'mean'`, serac@2's). */
  pool?: 'mean' | 'attn';
  /** L2-normalise the output and scale it by a learned α (starting at `projInit`). */
  normalize?: boolean;
}

/** Any classifier architecture an artifact can name: the embedded bag, or a BERT-family encoder directory. */
export type AnyClassifierArch = ClassifierArch | BertClassifierArch;

/**
 * What SERAC needs of a scope classifier: trainable tensors, embeddings of token rows and of memory
 * entries (synchronous, differentiable), and an asynchronous preparation of both that must be awaited
 * before the embeddings are asked for (a no-op for the bag; the WordPiece tokenization for BERT).
 */
export interface ScopeClassifier {
  readonly arch: AnyClassifierArch;
  readonly backend: Backend;
  params(): Tensor[];
  paramNames(): string[];
  setParams(ps: readonly Tensor[]): void;
  /** Prepares rows `ids` (`host`: the same ids on the host and the per-token weights) for {@link embedRows}. */
  prepareRows(ids: Tensor, host: { ids: ArrayLike<number>; weights: ArrayLike<number> }): Promise<void>;
  /** Prepares memory entries for {@link embedEntries}. */
  prepareEntries(mem: readonly MemoryEntry[]): Promise<void>;
  /** `[B, k]` embeddings of rows `ids` `[B, S]` weighted by `weights` `[B, S]` (1 for the tokens that count). */
  embedRows(ids: Tensor, weights: Tensor): Tensor;
  /** `[C, k]` embeddings of memory entries' classifier contexts. */
  embedEntries(mem: readonly MemoryEntry[]): Tensor;
  dispose(): void;
}

/** The bag-of-embeddings scope classifier. */
export class BagClassifier implements ScopeClassifier {
  /** `[V, 1]` per-token gates (`'mean'`) or log-importances θ (`'attn'`). */
  gate: Tensor;
  /** `[k, D]`. */
  proj: Tensor;
  /** `[1, 1]` output scale α (only with `normalize`). */
  scale: Tensor | null;

  constructor(
    /** `[V, D]` token embeddings of the backbone (not owned, never changed). */
    readonly embed: Tensor,
    readonly arch: ClassifierArch,
    backend: Backend,
  ) {
    const [v, d] = embed.shape;
    this.gate = untrack(tensor(new Float64Array(v).fill(this.pool === 'attn' ? 0 : 1), [v, 1], { backend }));
    const p = new Float64Array(arch.width * d);
    for (let i = 0; i < Math.min(arch.width, d); i++) p[i * d + i] = arch.normalize ? 1 : arch.projInit;
    this.proj = untrack(tensor(p, [arch.width, d], { backend }));
    this.scale = arch.normalize ? untrack(tensor([arch.projInit], [1, 1], { backend })) : null;
  }

  get backend(): Backend {
    return this.gate.backend;
  }

  /** Nothing to prepare: the bag reads token ids on the device. */
  async prepareRows(): Promise<void> {}

  /** Nothing to prepare. */
  async prepareEntries(): Promise<void> {}

  /** Embeddings `[C, k]` of the entries' classifier contexts (all their tokens count). */
  embedEntries(mem: readonly MemoryEntry[]): Tensor {
    const l = Math.max(1, ...mem.map((m) => m.ctxIds.length));
    const ids = new Int32Array(mem.length * l);
    const w = new Float64Array(mem.length * l);
    mem.forEach((m, i) =>
      m.ctxIds.forEach((id, p) => {
        ids[i * l + p] = id;
        w[i * l + p] = 1;
      }),
    );
    const be = this.backend;
    return this.embedRows(tensor(ids, [mem.length, l], { dtype: 'i32', backend: be }), tensor(w, [mem.length, l], { backend: be }));
  }

  /** The pooling in use. */
  get pool(): 'mean' | 'attn' {
    return this.arch.pool ?? 'mean';
  }

  /** Trained tensors: gate, projection and (with `normalize`) the scale. */
  params(): Tensor[] {
    return this.scale ? [this.gate, this.proj, this.scale] : [this.gate, this.proj];
  }

  /** Names of {@link params} in the artifact. */
  paramNames(): string[] {
    return this.scale ? ['cls.gate', 'cls.proj', 'cls.scale'] : ['cls.gate', 'cls.proj'];
  }

  setParams(ps: readonly Tensor[]): void {
    const cur = this.params();
    ps.forEach((p, i) => {
      if (p !== cur[i]) cur[i].dispose();
    });
    this.gate = untrack(ps[0]);
    this.proj = untrack(ps[1]);
    if (this.scale) this.scale = untrack(ps[2]);
  }

  /**
   * Embeddings `[B, k]` of token rows `ids` `[B, S]` (i32) weighted by `weights` `[B, S]` (1 for the tokens
   * that count, 0 for BOS and padding).
   */
  embedRows(ids: Tensor, weights: Tensor): Tensor {
    const [b, s] = ids.shape;
    const e = gather(this.embed, ids); // [B, S, D]
    const g = reshape(gather(this.gate, ids), [b, s]);
    let bag: Tensor;
    if (this.pool === 'attn') {
      // softmax of θ over the row's counted tokens; θ is bounded by training, so exp without the max shift is safe
      const a = mul(exp(g), weights);
      bag = div(sum(mul(e, reshape(a, [b, s, 1])), 1), maximum(sum(a, 1, true), 1e-30));
    } else {
      bag = div(sum(mul(e, reshape(mul(g, weights), [b, s, 1])), 1), maximum(sum(weights, 1, true), 1));
    }
    const out = matmul(bag, this.proj, { transB: true }); // [B, k]
    if (!this.scale) return out;
    return mul(div(out, sqrt(maximum(sum(square(out), 1, true), 1e-24))), this.scale);
  }

  dispose(): void {
    for (const t of this.params()) t.dispose();
  }
}
