/**
 * The kernel table: every kernel's inputs and attributes, as types. A backend implements each kernel
 * named here (a mapped type makes a missing one a compile error); shape rules live one per file beside
 * this one, and gradients in `../grad/`.
 *
 * Layout conventions: tensors are dense and row-major. `Rope` takes `x` as `[B, S, H, Dh]`.
 */
import type { DType } from '../dtype.js';

/** Elementwise unary functions. */
export type UnaryOp =
  | 'neg'
  | 'exp'
  | 'log'
  | 'sqrt'
  | 'rsqrt'
  | 'silu'
  | 'relu'
  | 'sigmoid'
  | 'tanh'
  | 'abs'
  | 'square'
  | 'recip'
  | 'sign'
  | 'step';

/** Elementwise binary functions (numpy broadcasting). Comparisons return 0/1 in `f32`. */
export type BinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'max' | 'min' | 'pow' | 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';

/** The comparison subset of {@link BinaryOp}. */
export const COMPARISONS: ReadonlySet<BinaryOp> = new Set<BinaryOp>(['eq', 'ne', 'lt', 'le', 'gt', 'ge']);

/** Reductions over one axis. */
export type ReduceOp = 'sum' | 'max' | 'min';

/** Index-returning reductions over one axis. */
export type ArgReduceOp = 'argmax' | 'argmin';

/** Inputs and attributes of every kernel, generic over the tensor handle type `T`. */
export interface KernelDefs<T> {
  /** y = op(x), elementwise. */
  Unary: { inputs: { x: T }; attrs: { op: UnaryOp } };
  /** y = op(a, b) with broadcasting; both inputs share a dtype. */
  Binary: { inputs: { a: T; b: T }; attrs: { op: BinaryOp } };
  /** y = cond != 0 ? a : b with broadcasting over all three. */
  Where: { inputs: { cond: T; a: T; b: T }; attrs: Record<string, never> };
  /** Reduction over `axis`. */
  Reduce: { inputs: { x: T }; attrs: { op: ReduceOp; axis: number; keepDims: boolean } };
  /** Index of the max/min over `axis` (first on ties), as `i32`. */
  ArgReduce: { inputs: { x: T }; attrs: { op: ArgReduceOp; axis: number; keepDims: boolean } };
  /** Softmax over the last axis. */
  Softmax: { inputs: { x: T }; attrs: Record<string, never> };
  /** Log-softmax over the last axis. */
  LogSoftmax: { inputs: { x: T }; attrs: Record<string, never> };
  /** y = x * rsqrt(mean(x^2, last) + eps) * weight; weight has the last axis' extent. */
  RmsNorm: { inputs: { x: T; weight: T }; attrs: { eps: number } };
  /**
   * Rotary position embedding, HF `rotate_half` layout, on `x: [B, S, H, Dh]` with `positions: [B, S]` (i32).
   * For i < Dh/2 and theta = pos * base^(-2i/Dh): y[i] = x[i] cos - x[i+Dh/2] sin,
   * y[i+Dh/2] = x[i+Dh/2] cos + x[i] sin. `inverse` rotates by -theta (the VJP).
   */
  Rope: { inputs: { x: T; positions: T }; attrs: { base: number; inverse: boolean } };
  /**
   * Batched matrix product. `a: [...batchA, M, K]` (`[..., K, M]` when `transA`), `b: [...batchB, K, N]`
   * (`[..., N, K]` when `transB`); batch dimensions broadcast. Output `[...batch, M, N]`.
   */
  MatMul: { inputs: { a: T; b: T }; attrs: { transA: boolean; transB: boolean } };
  /** Rows of `table: [V, D]` at `ids` (i32, any shape) → `[...ids, D]`. */
  Gather: { inputs: { table: T; ids: T }; attrs: Record<string, never> };
  /** The adjoint of Gather: `out[v] = sum of updates[n] where ids[n] = v`, `out: [numRows, D]`. */
  ScatterAdd: { inputs: { updates: T; ids: T }; attrs: { numRows: number } };
  /** `y[..., ] = x[..., idx[...]]`: picks one entry along the last axis; `idx` has x's shape minus the last axis. */
  PickLast: { inputs: { x: T; idx: T }; attrs: Record<string, never> };
  /** The adjoint of PickLast: zeros of `[...values, depth]` with `values` put at `idx`. */
  PutLast: { inputs: { values: T; idx: T }; attrs: { depth: number } };
  /** Axis permutation. */
  Transpose: { inputs: { x: T }; attrs: { perm: readonly number[] } };
  /** A box `[begin, begin + size)` of x. */
  Slice: { inputs: { x: T }; attrs: { begin: readonly number[]; size: readonly number[] } };
  /** Zero padding: `before[i]` and `after[i]` elements on each axis. */
  Pad: { inputs: { x: T }; attrs: { before: readonly number[]; after: readonly number[] } };
  /** Concatenation along `axis`. */
  Concat: { inputs: { xs: T[] }; attrs: { axis: number } };
  /** Same data, new shape (no copy). */
  Reshape: { inputs: { x: T }; attrs: { shape: readonly number[] } };
  /** Conversion between `f32` and `i32` (truncation toward zero) or `f16` (rounding to nearest even). */
  Cast: { inputs: { x: T }; attrs: { dtype: DType } };
  /** A tensor of one value. */
  Fill: { inputs: Record<string, never>; attrs: { shape: readonly number[]; dtype: DType; value: number } };
  /** The k largest entries along the last axis, descending (ties: lower index first): values and i32 indices. */
  TopK: { inputs: { x: T }; attrs: { k: number } };
  /** Fused SwiGLU of the gated MLP: `y = silu(gate) * up`, `gate` and `up` of one shape. */
  SwiGLU: { inputs: { gate: T; up: T }; attrs: Record<string, never> };
  /**
   * SwiGLU's VJP in one kernel: with s = sigmoid(gate), outputs `dgate = (dy * up) * (s * (1 + gate * (1 - s)))`
   * and `dup = dy * silu(gate)`; all three inputs of one shape.
   */
  SwiGLUGrad: { inputs: { dy: T; gate: T; up: T }; attrs: Record<string, never> };
  /**
   * RMSNorm's input VJP in one kernel, per row of the last axis (length d): with
   * `r = 1 / sqrt(sum(x^2) / d + eps)`, `g = dy * weight` and `m = sum(g * x) / d`, outputs
   * `dx = r * g - (x * (r * (r * r))) * m` and `r` (shape of x with last axis 1, for the weight's VJP).
   */
  RmsNormGrad: { inputs: { dy: T; x: T; weight: T }; attrs: { eps: number } };
  /** Softmax's VJP over the last axis in one kernel, from the output `y`: `dx = y * (dy - sum(dy * y))`. */
  SoftmaxGrad: { inputs: { dy: T; y: T }; attrs: Record<string, never> };
  /**
   * Log-softmax and negative log-likelihood fused (the log-softmax is never stored): for each row of
   * `logits: [..., V]` and its i32 target `targets[...]`, `nll = lse - logits[t]` with
   * `lse = max + log(sum(exp(logits - max)))`. Output of the shape of `targets`. A target outside
   * `[0, V)` is an error on the CPU backends (as PickLast's).
   */
  SoftmaxNll: { inputs: { logits: T; targets: T }; attrs: Record<string, never> };
  /**
   * SoftmaxNll's VJP in one kernel: `dlogits = dy * (softmax(logits) - onehot(targets))` per row (the
   * log-sum-exp recomputed from `logits`); `dy` of the shape of `targets`.
   */
  SoftmaxNllGrad: { inputs: { dy: T; logits: T; targets: T }; attrs: Record<string, never> };
  /**
   * Fused scaled-dot-product self-attention of grouped heads (QKᵀ·scale + bias, an optional causal
   * mask, softmax over the keys, ·V) in one kernel; the scores and probabilities are never stored.
   * `q: [B, H, S, Dh]`, `k`, `v: [B, Hkv, T, Dh]` with `H` a multiple of `Hkv` (query head `h` reads
   * key/value head `floor(h / (H / Hkv))`, HF `repeat_kv`), `bias: [B or 1, 1, S, T]` added to the
   * scaled scores. With `causal`, query `i` sees keys `j <= i + (T - S)` only (the later ones get
   * probability 0, as an additive bias of -1e9 gives them). Output `[B, H, S, Dh]`:
   * `y[b,h,i] = sum_j p[j] v[b,kv,j]` with `p = softmax_j((q[b,h,i]·k[b,kv,j]) * scale + bias[b,0,i,j])`.
   */
  Attention: { inputs: { q: T; k: T; v: T; bias: T }; attrs: { scale: number; causal: boolean } };
  /**
   * Attention's VJP in one kernel (the probabilities recomputed from `q`, `k`, `bias`): with
   * `dp = dy·vᵀ` and `ds = p * (dp - sum_j(dp * p)) * scale`, outputs `dq = ds·k`, `dk = dsᵀ·q` and
   * `dv = pᵀ·dy` (summed over the query heads of each key/value head). `bias` gets no gradient.
   */
  AttentionGrad: { inputs: { dy: T; q: T; k: T; v: T; bias: T }; attrs: { scale: number; causal: boolean } };
  /**
   * One Adam update of `param` from `grad` and the moments `m`, `v` (all one shape), PyTorch's formula:
   * `g = grad (+ param * weightDecay unless decoupled)`, `m' = m * beta1 + g * (1 - beta1)`,
   * `v' = v * beta2 + (g * g) * (1 - beta2)`, `base = decoupled ? param * (1 - lr * weightDecay) : param`,
   * `next = base - (m' / (sqrt(v') / sqrtBc2 + eps)) * stepSize`, with `sqrtBc2 = sqrt(1 - beta2^t)` and
   * `stepSize = lr / (1 - beta1^t)`. Outputs `[next, m', v']`.
   */
  AdamStep: {
    inputs: { param: T; grad: T; m: T; v: T };
    attrs: { beta1: number; beta2: number; eps: number; sqrtBc2: number; stepSize: number; lr: number; weightDecay: number; decoupled: boolean };
  };
}

/** The name of a kernel. */
export type KernelName = keyof KernelDefs<unknown>;

/** The inputs record of kernel `K` with handles of type `T`. */
export type KernelInputs<K extends KernelName, T> = KernelDefs<T>[K]['inputs'];

/** The attributes of kernel `K`. */
export type KernelAttrs<K extends KernelName> = KernelDefs<unknown>[K]['attrs'];

/** Kernels that have no gradient (their outputs are integer-valued or constant, or they are a VJP themselves: no second order). */
export type NonDifferentiableKernel = 'ArgReduce' | 'Cast' | 'Fill' | 'TopK' | 'SwiGLUGrad' | 'RmsNormGrad' | 'SoftmaxGrad' | 'SoftmaxNllGrad' | 'AttentionGrad' | 'AdamStep';

/** Kernels whose gradient must be defined in `../grad/` (checked by a mapped type). */
export type DifferentiableKernel = Exclude<KernelName, NonDifferentiableKernel>;
