/** Sentence pooling and normalisation (sentence-transformers' `Pooling` and `Normalize` modules). */
import { div, expandDims, matmul, maximum, norm, reshape, sliceAxis, sum, type Tensor } from '@crossedit/core';

/** How token states become one sentence vector. */
export type PoolingMode = 'mean' | 'cls';

/** Mean of `hidden: [B, S, D]` over the real tokens of `mask: [B, S]` → `[B, D]`. */
export function meanPool(hidden: Tensor, mask: Tensor): Tensor {
  const [b, , d] = hidden.shape;
  const summed = reshape(matmul(expandDims(mask, 1), hidden), [b, d]);
  return div(summed, maximum(sum(mask, 1, true), 1e-9));
}

/** The first token's state (`[CLS]`) of `hidden: [B, S, D]` → `[B, D]`. */
export function clsPool(hidden: Tensor): Tensor {
  const [b, , d] = hidden.shape;
  return reshape(sliceAxis(hidden, 1, 0, 1), [b, d]);
}

/** Rows of `x: [B, D]` divided by their L2 norm (at least 1e-12, as `F.normalize`). */
export function l2Normalize(x: Tensor): Tensor {
  return div(x, maximum(norm(x, 1, true), 1e-12));
}
