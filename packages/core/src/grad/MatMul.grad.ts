import { runKernel } from '../engine.js';
import { reshape } from '../ops/layout.js';
import type { Tensor } from '../tensor.js';
import { unbroadcast, type GradRule } from './rule.js';

function mm(a: Tensor, b: Tensor, transA: boolean, transB: boolean): Tensor {
  return runKernel('MatMul', { a, b }, { transA, transB })[0];
}

/** `t` with its leading axes merged into rows: `[..., R, C]` as `[(...·R), C]`. */
function rows(t: Tensor): Tensor {
  return reshape(t, [t.size / t.shape[t.rank - 1], t.shape[t.rank - 1]]);
}

/**
 * For C = op(A) op(B): each case writes dA and dB in A's and B's stored layout, then sums over
 * broadcast batch axes. A 2-D `B` (a weight) against a batched, untransposed `A` gets its gradient
 * as one GEMM over the merged rows of `A` and `dC` (the batch sum folded into the product's k loop)
 * instead of a batch of per-entry products summed afterwards.
 */
export const MatMulGrad: GradRule<'MatMul'> = {
  vjp(dC, { a, b }, _outputs, { transA, transB }, needs) {
    // an operand that needs no gradient (a weight, when differentiating with respect to an
    // activation) is skipped: its gradient would be [batch, out, in] before the broadcast sum
    const wantA = needs?.a ?? true;
    const wantB = needs?.b ?? true;
    let da: Tensor | null = null;
    let db: Tensor | null = null;
    if (wantB && !transA && b.rank === 2 && a.rank > 2) {
      // dB = Σ_batch Aᵀ·dC = rows(A)ᵀ·rows(dC) (transB: Σ dCᵀ·A = rows(dC)ᵀ·rows(A))
      db = transB ? mm(rows(dC), rows(a), true, false) : mm(rows(a), rows(dC), true, false);
      if (wantA) da = transB ? mm(dC, b, false, false) : mm(dC, b, false, true);
      return { a: da && unbroadcast(da, a.shape), b: db };
    }
    if (!transA && !transB) {
      if (wantA) da = mm(dC, b, false, true);
      if (wantB) db = mm(a, dC, true, false);
    } else if (transA && !transB) {
      if (wantA) da = mm(b, dC, false, true);
      if (wantB) db = mm(a, dC, false, false);
    } else if (!transA && transB) {
      if (wantA) da = mm(dC, b, false, false);
      if (wantB) db = mm(dC, a, true, false);
    } else {
      if (wantA) da = mm(b, dC, true, true);
      if (wantB) db = mm(dC, a, true, true);
    }
    return { a: da && unbroadcast(da, a.shape), b: db && unbroadcast(db, b.shape) };
  },
};
