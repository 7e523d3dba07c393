/** Neural-network ops: matmul, softmax, normalisation, rotary embedding, gathers, losses. */
import { runKernel } from '../engine.js';
import { ShapeError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { add, div, exp, greater, log, mul, sqrt, square, sub, where } from './elementwise.js';
import { reshape } from './layout.js';
import { max, sum } from './reduce.js';

/** Options of {@link matmul}. */
export interface MatMulOptions {
  transA?: boolean;
  transB?: boolean;
}

/**
 * Batched matrix product `a @ b` (optionally transposing either operand's last two axes), with broadcast
 * batch dimensions. A rank-1 `a` or `b` is treated as a row or column vector and the axis is removed.
 */
export function matmul(a: Tensor, b: Tensor, opts: MatMulOptions = {}): Tensor {
  const va = a.rank === 1;
  const vb = b.rank === 1;
  const A = va ? reshape(a, [1, a.shape[0]]) : a;
  const B = vb ? reshape(b, [b.shape[0], 1]) : b;
  let y = runKernel('MatMul', { a: A, b: B }, { transA: !!opts.transA && !va, transB: !!opts.transB && !vb })[0];
  if (va || vb) {
    const s = y.shape.slice();
    if (vb) s.splice(s.length - 1, 1);
    if (va) s.splice(s.length - (vb ? 1 : 2), 1);
    const r = reshape(y, s);
    y.dispose();
    y = r;
  }
  if (va) A.dispose();
  if (vb) B.dispose();
  return y;
}

/** Outer product of two vectors: `[m] x [n] -> [m, n]`. */
export function outer(u: Tensor, v: Tensor): Tensor {
  if (u.rank !== 1 || v.rank !== 1) throw new ShapeError(`outer: needs two vectors, got ${u.describe()} and ${v.describe()}`);
  return mul(reshape(u, [u.shape[0], 1]), reshape(v, [1, v.shape[0]]));
}

/** Softmax over the last axis. */
export function softmax(x: Tensor): Tensor {
  return runKernel('Softmax', { x }, {})[0];
}

/** Log-softmax over the last axis. */
export function logSoftmax(x: Tensor): Tensor {
  return runKernel('LogSoftmax', { x }, {})[0];
}

/** RMSNorm over the last axis: `x / sqrt(mean(x^2) + eps) * weight`. */
export function rmsNorm(x: Tensor, weight: Tensor, eps: number): Tensor {
  return runKernel('RmsNorm', { x, weight }, { eps })[0];
}

/**
 * The gated MLP's activation, fused: `silu(gate) * up` (one kernel forward, one backward; the same
 * values as `mul(silu(gate), up)`). `gate` and `up` have one shape.
 */
export function swiglu(gate: Tensor, up: Tensor): Tensor {
  return runKernel('SwiGLU', { gate, up }, {})[0];
}

/** Rotary position embedding on `[B, S, H, Dh]` with i32 positions `[B, S]` (HF rotate_half layout). */
export function rope(x: Tensor, positions: Tensor, base: number): Tensor {
  return runKernel('Rope', { x, positions }, { base, inverse: false })[0];
}

/** Rows of `table: [V, D]` at i32 `ids` → `[...ids, D]` (embedding lookup). */
export function gather(table: Tensor, ids: Tensor): Tensor {
  return runKernel('Gather', { table, ids }, {})[0];
}

/** `out[v] += updates[n]` for `ids[n] = v`, `out: [numRows, D]`. */
export function scatterAdd(updates: Tensor, ids: Tensor, numRows: number): Tensor {
  return runKernel('ScatterAdd', { updates, ids }, { numRows })[0];
}

/** `y[i] = x[i, idx[i]]` along the last axis. */
export function pickLast(x: Tensor, idx: Tensor): Tensor {
  return runKernel('PickLast', { x, idx }, {})[0];
}

/** Zeros of `[...values, depth]` with `values` placed at `idx` along the last axis. */
export function putLast(values: Tensor, idx: Tensor, depth: number): Tensor {
  return runKernel('PutLast', { values, idx }, { depth })[0];
}

/**
 * Masked cross-entropy: mean over positions where `mask` is 1 of `-log softmax(logits)[target]`.
 * `logits: [..., V]`, `targets: [...]` (i32), `mask: [...]` (f32, optional: all ones). Returns a scalar.
 * An all-zero mask gives 0 (not NaN).
 */
export function crossEntropy(logits: Tensor, targets: Tensor, mask?: Tensor): Tensor {
  const nll = softmaxNll(logits, targets);
  if (!mask) return div(sum(nll), nll.size);
  const total = sum(mul(nll, mask));
  const count = sum(mask);
  return div(total, where(greater(count, 0), count, 1));
}

/**
 * Per-row negative log-likelihood of i32 `targets` under `softmax(logits)` over the last axis, fused:
 * `-logSoftmax(logits)[..., t]` in one kernel forward and one backward, the log-softmax never stored
 * (the same values as `mul(pickLast(logSoftmax(logits), targets), -1)`). Shape of `targets`.
 * @throws RangeError on the CPU backends for a target outside `[0, V)`.
 */
export function softmaxNll(logits: Tensor, targets: Tensor): Tensor {
  return runKernel('SoftmaxNll', { logits, targets }, {})[0];
}

/** Options of {@link attention}. */
export interface AttentionOptions {
  /** The factor of the dot products (usually `1 / sqrt(Dh)`). */
  scale: number;
  /**
   * Query `i` sees keys `j <= i + (T - S)` only; the additive `bias` then need not mask the later
   * keys (a row whose visible keys are all masked by `bias` is averaged over the visible keys only).
   */
  causal?: boolean;
}

/**
 * Scaled-dot-product self-attention of grouped heads in one kernel forward and one backward:
 * `softmax(q·kᵀ * scale + bias)·v` per head, the scores never stored. `q: [B, H, S, Dh]`,
 * `k`, `v: [B, Hkv, T, Dh]` (query head `h` reads key/value head `floor(h / (H / Hkv))`),
 * `bias: [B or 1, 1, S, T]` (additive, e.g. -1e9 at padding keys; it gets no gradient). Returns `[B, H, S, Dh]`.
 * @throws ShapeError for operands of other shapes.
 */
export function attention(q: Tensor, k: Tensor, v: Tensor, bias: Tensor, opts: AttentionOptions): Tensor {
  return runKernel('Attention', { q, k, v, bias }, { scale: opts.scale, causal: !!opts.causal })[0];
}

/**
 * KL(p || q) over the last axis from log-probabilities: `sum(exp(lp) * (lp - lq))`, one value per row.
 */
export function klDivLogits(logP: Tensor, logQ: Tensor): Tensor {
  return sum(mul(exp(logP), sub(logP, logQ)), -1);
}

/** Euclidean norm over axes (all by default). */
export function norm(x: Tensor, axes?: number | number[], keepDims = false): Tensor {
  return sqrt(sum(square(x), axes, keepDims));
}

/**
 * Projects onto the L2 ball of radius `radius` (a number or a scalar tensor): `x * min(1, r/|x|)`
 * over the whole tensor.
 */
export function projectL2Ball(x: Tensor, radius: number | Tensor): Tensor {
  const n = norm(x);
  const scale = where(greater(n, radius), div(radius, add(n, 1e-30)), 1);
  return mul(x, scale);
}

/** Numerically stable log(sum(exp(x))) over the last axis. */
export function logSumExp(x: Tensor, keepDims = false): Tensor {
  const m = max(x, -1, true);
  const s = add(m, log(sum(exp(sub(x, m)), -1, true)));
  return keepDims ? s : reshape(s, x.shape.slice(0, -1));
}
