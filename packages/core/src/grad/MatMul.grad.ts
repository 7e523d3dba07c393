import { runKernel } from '../engine.js';
import type { Tensor } from '../tensor.js';
import { unbroadcast, type GradRule } from './rule.js';

function mm(a: Tensor, b: Tensor, transA: boolean, transB: boolean): Tensor {
  return runKernel('MatMul', { a, b }, { transA, transB })[0];
}

/**
 * For C = op(A) op(B): each case writes dA and dB in A's and B's stored layout, then sums over
 * broadcast batch axes.
 */
export const MatMulGrad: GradRule<'MatMul'> = {
  vjp(dC, { a, b }, _outputs, { transA, transB }) {
    let da: Tensor;
    let db: Tensor;
    if (!transA && !transB) {
      da = mm(dC, b, false, true);
      db = mm(a, dC, true, false);
    } else if (transA && !transB) {
      da = mm(b, dC, false, true);
      db = mm(a, dC, false, false);
    } else if (!transA && transB) {
      da = mm(dC, b, false, false);
      db = mm(dC, a, true, false);
    } else {
      da = mm(b, dC, true, true);
      db = mm(dC, a, true, true);
    }
    return { a: unbroadcast(da, a.shape), b: unbroadcast(db, b.shape) };
  },
};
