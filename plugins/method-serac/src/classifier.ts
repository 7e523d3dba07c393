/**
 * The scope classifier of the embedded default: a bag of the backbone's own (frozen) token embeddings,
 * weighted by a learned per-token gate and mapped by a learned projection,
 * `e(text) = P · Σ_t g[t] E[t] / n`. It reads token ids, so the same code embeds the evaluator's rows on
 * the device without a read-back. SERAC's similarity is `exp(−‖e(c) − e(x)‖²)` (EasyEdit `square: true`,
 * `cos: false`, scale fixed at 1). The reference's DistilBERT is a 66M-parameter encoder; this one has
 * `V + k·D` parameters, small enough to train here in minutes.
 */
import { div, gather, matmul, maximum, mul, reshape, sum, tensor, untrack, type Backend, type Tensor } from '@crossedit/core';

/** Architecture of the classifier (recorded in the artifact). */
export interface ClassifierArch {
  kind: 'bag';
  /** Output width k. */
  width: number;
  /** The projection starts as `projInit · I` (k = D) or `projInit ·` a scaled random matrix. */
  projInit: number;
}

/** The bag-of-embeddings scope classifier. */
export class BagClassifier {
  /** `[V, 1]` per-token gates. */
  gate: Tensor;
  /** `[k, D]`. */
  proj: Tensor;

  constructor(
    /** `[V, D]` token embeddings of the backbone (not owned, never changed). */
    readonly embed: Tensor,
    readonly arch: ClassifierArch,
    backend: Backend,
  ) {
    const [v, d] = embed.shape;
    this.gate = untrack(tensor(new Float64Array(v).fill(1), [v, 1], { backend }));
    const p = new Float64Array(arch.width * d);
    for (let i = 0; i < Math.min(arch.width, d); i++) p[i * d + i] = arch.projInit;
    this.proj = untrack(tensor(p, [arch.width, d], { backend }));
  }

  params(): Tensor[] {
    return [this.gate, this.proj];
  }

  setParams([g, p]: readonly Tensor[]): void {
    if (g !== this.gate) this.gate.dispose();
    if (p !== this.proj) this.proj.dispose();
    this.gate = untrack(g);
    this.proj = untrack(p);
  }

  /**
   * Embeddings `[B, k]` of token rows `ids` `[B, S]` (i32) weighted by `weights` `[B, S]` (1 for the tokens
   * that count, 0 for BOS and padding).
   */
  embedRows(ids: Tensor, weights: Tensor): Tensor {
    const [b, s] = ids.shape;
    const e = gather(this.embed, ids); // [B, S, D]
    const g = reshape(gather(this.gate, ids), [b, s, 1]);
    const w = reshape(weights, [b, s, 1]);
    const bag = div(sum(mul(mul(e, g), w), 1), maximum(sum(reshape(weights, [b, s]), 1, true), 1)); // [B, D]
    return matmul(bag, this.proj, { transB: true });
  }

  dispose(): void {
    this.gate.dispose();
    this.proj.dispose();
  }
}
