/**
 * The copy head of the embedded default's counterfactual model (a pointer-generator, See et al. 2017):
 * at a scored position with normalised hidden state q, an attention over the cached edit's tokens, keyed
 * by the hidden state *before* each token (`a_j ∝ exp((W_q q)·(W_k h_{j−1}) / √k)`: "what followed the
 * context I am in"), puts probability on the tokens that followed, and a learned gate
 * `g = σ(w_g·q + b_g)` mixes it with the language model's own distribution:
 * `p_cf = (1 − g)·p_lm + g·Σ_j a_j·onehot(tok_j)`. This is an induction head built in: a small transformer
 * has to discover one by itself, which the 4-layer embedded model did not do in the minutes available
 * here (loss plateau at ≈ 8 nats after 200 steps of copy-task training), while the head learns copying in
 * a few hundred steps with the backbone frozen. `4·k·D`-ish parameters.
 */
import { add, matmul, mul, reshape, scatterAdd, sigmoid, softmax, sub, sum, tensor, untrack, type Backend, type Tensor } from '@crossedit/core';

/** Architecture of the copy head (recorded in the artifact). */
export interface CopyHeadArch {
  /** Query/key width k (≤ D: the projections start as the first k rows of the identity). */
  width: number;
}

/** Where the head may point: keys (hidden states before each value token), a mask bias and the value tokens. */
export interface PointerInputs {
  /** `[P, D]` (shared by every scored position) or `[N, P, D]` (one set per scored position). */
  keys: Tensor;
  /** `[1, P]` or `[N, P]`: 0 for real positions, a large negative number for padding. */
  bias: Tensor;
  /** Value token ids: `P` (shared) or `N·P` (row-major). */
  tokens: Int32Array;
}

/** The copy head's parameters and its mixture. */
export class CopyHead {
  wq: Tensor;
  wk: Tensor;
  wg: Tensor;
  bg: Tensor;

  constructor(
    readonly hidden: number,
    readonly arch: CopyHeadArch,
    backend: Backend,
  ) {
    const k = arch.width;
    const eye = new Float64Array(k * hidden);
    for (let i = 0; i < Math.min(k, hidden); i++) eye[i * hidden + i] = 1;
    this.wq = untrack(tensor(eye, [k, hidden], { backend }));
    this.wk = untrack(tensor(Float64Array.from(eye), [k, hidden], { backend }));
    this.wg = untrack(tensor(new Float64Array(hidden), [1, hidden], { backend }));
    this.bg = untrack(tensor(new Float64Array(1), [1], { backend }));
  }

  params(): Tensor[] {
    return [this.wq, this.wk, this.wg, this.bg];
  }

  setParams(ps: readonly Tensor[]): void {
    const cur = this.params();
    ps.forEach((p, i) => {
      if (p !== cur[i]) cur[i].dispose();
    });
    [this.wq, this.wk, this.wg, this.bg] = ps.map((p) => untrack(p));
  }

  /** `[N, P]` attention of queries `q` `[N, D]` over the pointer keys. */
  attention(q: Tensor, ptr: PointerInputs): Tensor {
    const n = q.shape[0];
    const k = this.arch.width;
    const qw = matmul(q, this.wq, { transB: true }); // [N, k]
    let scores: Tensor;
    if (ptr.keys.rank === 2) {
      scores = matmul(qw, matmul(ptr.keys, this.wk, { transB: true }), { transB: true });
    } else {
      const [, p, d] = ptr.keys.shape;
      const kw = reshape(matmul(reshape(ptr.keys, [n * p, d]), this.wk, { transB: true }), [n, p, k]);
      scores = sum(mul(reshape(qw, [n, 1, k]), kw), -1);
    }
    return softmax(add(mul(scores, 1 / Math.sqrt(k)), ptr.bias));
  }

  /** `(1 − g)·pLm + g·p_ptr`, `[N, V]`, for queries `q` `[N, D]` and the language model's `pLm` `[N, V]`. */
  mix(pLm: Tensor, q: Tensor, ptr: PointerInputs): Tensor {
    const [n, v] = pLm.shape;
    const a = this.attention(q, ptr);
    const p = a.shape[1];
    const shared = ptr.tokens.length === p;
    const ids = new Int32Array(n * p);
    for (let r = 0; r < n; r++) for (let j = 0; j < p; j++) ids[r * p + j] = r * v + ptr.tokens[shared ? j : r * p + j];
    const pPtr = reshape(scatterAdd(reshape(a, [n * p, 1]), tensor(ids, [n * p], { dtype: 'i32', backend: q.backend }), n * v), [n, v]);
    const g = sigmoid(add(matmul(q, this.wg, { transB: true }), this.bg)); // [N, 1]
    return add(mul(sub(1, g), pLm), mul(g, pPtr));
  }

  dispose(): void {
    for (const t of this.params()) t.dispose();
  }
}
