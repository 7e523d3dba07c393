/**
 * The shared gradient cases: for each differentiable kernel, a function whose `valueAndGrads` with a
 * random cotangent is compared between a backend and this package's float64 reference (the VJP rules are
 * shared; this checks that a backend's kernels compose correctly under them, e.g. ScatterAdd under Gather,
 * PutLast under PickLast, the transposed matmuls under MatMul).
 */
import {
  abs, add, concat, crossEntropy, div, exp, gather, log, logSoftmax, matmul, maximum, mul, pad, pickLast, pow, putLast, reshape,
  rmsNorm, softmaxNll, swiglu, attention, Rng, rope, runKernel, scatterAdd, sigmoid, silu, slice, softmax, sqrt, square, sub, sum, max, tanh, tensor,
  transpose, valueAndGrads, where, greater, type Backend, type Tensor,
} from '@crossedit/core';
import { gens, type Gen } from './data.js';

/** One input of a gradient case. */
export interface GradInput {
  shape: number[];
  gen?: Gen;
  dtype?: 'f32' | 'i32';
  /** Not differentiated (ids, positions, masks). */
  constant?: boolean;
}

/** One gradient case: a differentiable function of the inputs that are not constant. */
export interface GradCase {
  name: string;
  inputs: GradInput[];
  f: (xs: Tensor[]) => Tensor;
  atol?: number;
}

const i32 = (lo: number, hi: number): GradInput['gen'] => gens.ints(lo, hi);

/** Every gradient case (each differentiable kernel at least once). */
export const GRAD_CASES: readonly GradCase[] = [
  { name: 'Unary exp/tanh/sigmoid/silu chain', inputs: [{ shape: [3, 37] }], f: ([x]) => silu(add(tanh(x), mul(sigmoid(x), exp(mul(x, 0.3))))) },
  { name: 'Unary log/sqrt/abs/square', inputs: [{ shape: [5, 9], gen: gens.positive }], f: ([x]) => add(log(x), mul(sqrt(x), square(abs(x)))) },
  { name: 'Binary broadcast add/sub/mul/div', inputs: [{ shape: [4, 1, 6] }, { shape: [3, 1], gen: gens.awayFromZero }], f: ([a, b]) => div(mul(add(a, b), sub(a, b)), b) },
  { name: 'Binary pow and maximum', inputs: [{ shape: [6, 7], gen: gens.positive }, { shape: [7] }], f: ([a, b]) => maximum(pow(a, b), mul(b, 0.5)) },
  { name: 'Where', inputs: [{ shape: [5, 8] }, { shape: [8] }], f: ([a, b]) => where(greater(a, 0), mul(a, b), sub(b, a)) },
  { name: 'Reduce sum/max over axes', inputs: [{ shape: [4, 30, 5] }], f: ([x]) => add(sum(x, 1), sum(max(mul(x, x), 2), 1, true)) },
  { name: 'Softmax', inputs: [{ shape: [6, 50] }], f: ([x]) => mul(softmax(mul(x, 3)), x) },
  { name: 'LogSoftmax + crossEntropy with mask', inputs: [{ shape: [2, 5, 33] }, { shape: [2, 5], gen: i32(0, 33), dtype: 'i32', constant: true }, { shape: [2, 5], gen: i32(0, 2), constant: true }], f: ([x, t, m]) => add(crossEntropy(x, t, m), sum(mul(logSoftmax(x), 0.01))) },
  { name: 'SoftmaxNll (fused log-softmax + NLL)', inputs: [{ shape: [3, 4, 57], gen: gens.scaled(3) }, { shape: [3, 4], gen: i32(0, 57), dtype: 'i32', constant: true }, { shape: [4], constant: true }], f: ([x, t, w]) => mul(softmaxNll(x, t), w) },
  { name: 'Attention (fused; q, k, v; causal, grouped heads)', inputs: [{ shape: [2, 4, 5, 8] }, { shape: [2, 2, 7, 8] }, { shape: [2, 2, 7, 8] }, { shape: [1, 1, 5, 7], gen: gens.scaled(0.5), constant: true }], f: ([q, k, v, b]) => attention(q, k, v, b, { scale: 1 / Math.sqrt(8), causal: true }) },
  { name: 'Attention (fused; not causal, bias per row)', inputs: [{ shape: [2, 2, 4, 16] }, { shape: [2, 2, 4, 16] }, { shape: [2, 2, 4, 16] }, { shape: [2, 1, 4, 4], constant: true }], f: ([q, k, v, b]) => attention(q, k, v, b, { scale: 0.25 }) },
  { name: 'SwiGLU (gate and up)', inputs: [{ shape: [3, 5, 37], gen: gens.scaled(4) }, { shape: [3, 5, 37] }], f: ([g, u]) => swiglu(g, u) },
  { name: 'RmsNorm (x and weight)', inputs: [{ shape: [3, 7, 48] }, { shape: [48] }], f: ([x, w]) => rmsNorm(x, w, 1e-5) },
  { name: 'Rope', inputs: [{ shape: [2, 6, 3, 16] }, { shape: [2, 6], gen: i32(0, 300), dtype: 'i32', constant: true }], f: ([x, p]) => rope(x, p, 10000) },
  { name: 'MatMul batched, transposes', inputs: [{ shape: [2, 9, 33] }, { shape: [36, 33] }, { shape: [2, 36, 20] }], f: ([a, b, c]) => matmul(matmul(a, b, { transB: true }), c, { transA: false }) },
  { name: 'MatMul batched x weight (merged-rows weight gradient)', inputs: [{ shape: [3, 5, 17] }, { shape: [17, 11] }, { shape: [3, 5, 17] }, { shape: [13, 17] }], f: ([a, w, x, v]) => add(sum(matmul(a, w), -1), sum(matmul(x, v, { transB: true }), -1)) },
  { name: 'MatMul transA', inputs: [{ shape: [40, 70] }, { shape: [40, 68] }], f: ([a, b]) => matmul(a, b, { transA: true }) },
  { name: 'Gather (ScatterAdd gradient)', inputs: [{ shape: [11, 6] }, { shape: [3, 7], gen: i32(0, 11), dtype: 'i32', constant: true }], f: ([t, ids]) => gather(t, ids) },
  { name: 'ScatterAdd (Gather gradient)', inputs: [{ shape: [8, 5] }, { shape: [8], gen: i32(0, 4), dtype: 'i32', constant: true }], f: ([u, ids]) => scatterAdd(u, ids, 4) },
  { name: 'PickLast / PutLast', inputs: [{ shape: [4, 5, 9] }, { shape: [4, 5], gen: i32(0, 9), dtype: 'i32', constant: true }], f: ([x, idx]) => add(pickLast(x, idx), sum(putLast(pickLast(x, idx), idx, 9), -1)) },
  { name: 'Transpose / Slice / Pad / Concat / Reshape', inputs: [{ shape: [3, 4, 5] }, { shape: [3, 2, 5] }], f: ([a, b]) => reshape(pad(slice(transpose(concat([a, b], 1), [2, 0, 1]), [1, 0, 2], [3, 3, 3]), [0, 1, 0], [2, 0, 1]), [-1]) },
];

/** Runs `valueAndGrads` of a case on `be` with the cotangent `dyHost`; host copies of value and gradients. */
export async function gradsOn(be: Backend, c: GradCase, hosts: (Float32Array | Int32Array)[], dyHost: Float32Array | null): Promise<{ value: Float64Array; grads: Float64Array[]; outShape: readonly number[] }> {
  const xs = c.inputs.map((inp, k) => tensor(hosts[k], inp.shape, { backend: be, dtype: inp.dtype ?? 'f32' }));
  const wrt = xs.filter((_, k) => !c.inputs[k].constant);
  const probe = c.f(xs);
  const outShape = probe.shape;
  probe.dispose();
  const dy = dyHost ? tensor(dyHost, outShape, { backend: be }) : undefined;
  const { value, grads } = valueAndGrads(() => c.f(xs), wrt, { dy });
  const out = { value: Float64Array.from(await value.data()), grads: await Promise.all(grads.map(async (g) => Float64Array.from(await g.data()))), outShape };
  value.dispose();
  grads.forEach((g) => g.dispose());
  dy?.dispose();
  xs.forEach((x) => x.dispose());
  return out;
}
