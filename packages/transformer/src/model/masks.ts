/** Position ids and the additive attention bias, built on the device from the `[B, S]` mask. */
import { add, cast, concat, matmul, mul, ones, reshape, sum, tensor, type Backend, type Tensor } from '@crossedit/core';

/** The additive bias of masked scores (large enough to vanish under softmax, small enough to stay finite). */
export const MASKED_SCORE = -1e9;

/**
 * Default position ids `[B, S]` (i32): the number of real tokens before each position in the row
 * (counting cached tokens), and 0 at padding. Also returns the updated real-token count `[B, 1]`.
 */
export function positionsFromMask(mask: Tensor, pastCount: Tensor | null): { positions: Tensor; count: Tensor } {
  const s = mask.shape[1];
  // exclusive prefix sum via a strictly-upper-triangular ones matrix: U[j, i] = 1 when j < i
  const u = new Float64Array(s * s);
  for (let j = 0; j < s; j++) for (let i = j + 1; i < s; i++) u[j * s + i] = 1;
  const before = matmul(mask, tensor(u, [s, s], { backend: mask.backend }));
  const withPast = pastCount ? add(before, pastCount) : before;
  const positions = cast(mul(withPast, mask), 'i32');
  const own = sum(mask, -1, true);
  const count = pastCount ? add(pastCount, own) : own;
  return { positions, count };
}

/**
 * The additive attention bias `[B, 1, S, T]`: 0 where query `i` (absolute index `past + i`) may attend
 * key `j` (causal and `keyMask[b, j] = 1`), {@link MASKED_SCORE} elsewhere.
 */
export function attentionBias(keyMask: Tensor, past: number, s: number): Tensor {
  const [b, t] = keyMask.shape;
  const causal = new Float64Array(s * t);
  for (let i = 0; i < s; i++) for (let j = 0; j <= past + i && j < t; j++) causal[i * t + j] = 1;
  const allowed = mul(tensor(causal, [1, 1, s, t], { backend: keyMask.backend }), reshape(keyMask, [b, 1, 1, t]));
  return mul(add(allowed, -1), -MASKED_SCORE);
}

/** The full key mask `[B, past + S]`: cached mask then the new one. */
export function extendKeyMask(past: Tensor | null, mask: Tensor): Tensor {
  return past ? concat([past, mask], 1) : mask;
}

/** An all-ones `[B, S]` mask. */
export function onesMask(b: number, s: number, backend: Backend): Tensor {
  return ones([b, s], { backend });
}

/** Positions `0..S-1` in every row, `[B, S]` (i32): the default of an unpadded batch without cache. */
export function arangePositions(b: number, s: number, backend: Backend): Tensor {
  const v = new Int32Array(b * s);
  for (let i = 0; i < b * s; i++) v[i] = i % s;
  return tensor(v, [b, s], { backend, dtype: 'i32' });
}

/** The causal-only additive bias `[1, 1, S, S]` of an unpadded batch without cache. */
export function causalBias(s: number, backend: Backend): Tensor {
  const v = new Float64Array(s * s);
  for (let i = 0; i < s; i++) for (let j = i + 1; j < s; j++) v[i * s + j] = MASKED_SCORE;
  return tensor(v, [1, 1, s, s], { backend });
}
