/**
 * The shared kernel conformance cases: every kernel of core's table on random inputs (seeded), with odd
 * sizes, sizes that are not multiples of typical workgroup sizes (256, 64, 32), empty and size-1 axes.
 * Each backend's conformance suite runs them against this package's float64 reference backend
 * (WebGPU in `@crossedit/webgpu`, the f32 CPU backend here).
 *
 * Tolerances (|got - ref| <= atol + rtol·|ref|): elementwise f32 rtol 2e-5 / atol 1e-6 (exp, log, pow
 * are a few ULP); reductions and matmul atol grows with sqrt(n) of the summed terms; integer outputs
 * (i32 ops, argmax, top-k indices, casts) must match exactly.
 *
 * `f16` cases (stored weights): an `f16` input is generated in f32 and rounded to half precision on the
 * host the same way for every backend (the CPU reference holds it widened), so the reference sees the same
 * inputs and the f32 tolerances apply unchanged to MatMul and Gather (f32 accumulation); Cast to and from
 * f16 must match exactly (round to nearest even, subnormals included).
 */
import { runKernel, tidy, tensor, type Backend, type KernelName, type Tensor } from '@crossedit/core';
import { gens, type Gen, type Tol } from './data.js';

/** One input of a case: its name in the kernel's inputs, shape, generator and dtype. */
export interface CaseInput {
  name: string;
  shape: number[];
  gen?: Gen;
  dtype?: 'f32' | 'f16' | 'i32';
}

/** One conformance case: a kernel call on generated inputs, and the tolerance of its f32 outputs. */
export interface KernelCase {
  name: string;
  kernel: KernelName;
  inputs: CaseInput[];
  /** Concat: the inputs form the `xs` list. */
  list?: boolean;
  attrs: unknown;
  tol?: Tol;
  /** WebGPU: run on the backend with the portable (non-subgroup) matmul (other backends ignore it). */
  generic?: boolean;
}

/** The elementwise f32 tolerance. */
export const EW: Tol = { rtol: 2e-5, atol: 1e-6 };
const sumTol = (n: number, scale = 1): Tol => ({ rtol: 1e-5, atol: 2e-6 * Math.sqrt(Math.max(n, 1)) * scale });
const i32 = (lo: number, hi: number) => gens.ints(lo, hi);

const cases: KernelCase[] = [];
const add = (c: KernelCase) => cases.push(c);

// ---- Unary
const UNARY_DOMAIN: Record<string, Gen> = {
  log: gens.positive,
  sqrt: gens.positive,
  rsqrt: gens.positive,
  recip: gens.awayFromZero,
  exp: gens.scaled(3),
  silu: gens.scaled(8),
  sigmoid: gens.scaled(8),
  tanh: gens.scaled(6),
};
for (const op of ['neg', 'exp', 'log', 'sqrt', 'rsqrt', 'silu', 'relu', 'sigmoid', 'tanh', 'abs', 'square', 'recip', 'sign', 'step'] as const) {
  add({ name: `Unary ${op} f32 [3,257]`, kernel: 'Unary', inputs: [{ name: 'x', shape: [3, 257], gen: UNARY_DOMAIN[op] ?? gens.normal }], attrs: { op } });
}
for (const op of ['neg', 'abs', 'square', 'sign'] as const) {
  add({ name: `Unary ${op} i32 [5,7]`, kernel: 'Unary', inputs: [{ name: 'x', shape: [5, 7], gen: i32(-1000, 1000), dtype: 'i32' }], attrs: { op } });
}
add({ name: 'Unary exp empty [0,3]', kernel: 'Unary', inputs: [{ name: 'x', shape: [0, 3] }], attrs: { op: 'exp' } });
add({ name: 'Unary silu extremes', kernel: 'Unary', inputs: [{ name: 'x', shape: [1, 1, 41], gen: (_r, i) => (i - 20) * 5 }], attrs: { op: 'silu' } });

// ---- Binary
for (const op of ['add', 'sub', 'mul', 'div', 'max', 'min', 'eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const) {
  const g = op === 'div' ? gens.awayFromZero : ['eq', 'ne', 'le', 'ge'].includes(op) ? gens.smallInt : gens.normal;
  add({ name: `Binary ${op} f32 [4,1,5]x[3,1]`, kernel: 'Binary', inputs: [{ name: 'a', shape: [4, 1, 5], gen: g }, { name: 'b', shape: [3, 1], gen: g }], attrs: { op } });
}
for (const op of ['add', 'sub', 'mul', 'max', 'min', 'eq', 'lt', 'ge'] as const) {
  add({ name: `Binary ${op} i32 [2,3]x[3]`, kernel: 'Binary', inputs: [{ name: 'a', shape: [2, 3], gen: i32(-50, 50), dtype: 'i32' }, { name: 'b', shape: [3], gen: i32(-50, 50), dtype: 'i32' }], attrs: { op } });
}
add({ name: 'Binary pow positive base', kernel: 'Binary', inputs: [{ name: 'a', shape: [7, 33], gen: gens.positive }, { name: 'b', shape: [33], gen: gens.scaled(2) }], attrs: { op: 'pow' }, tol: { rtol: 5e-5, atol: 1e-6 } });
add({
  name: 'Binary pow negative base, integer and fractional exponents, zero base',
  kernel: 'Binary',
  inputs: [
    { name: 'a', shape: [12], gen: (_r, i) => [-2, -2, -3, -0.5, 0, 0, 4, -1.5, 2, -2, 0, 5][i] },
    { name: 'b', shape: [12], gen: (_r, i) => [3, 2, -2, 2.5, 2, -1, 0, 4, 0.5, 1, 0, -3][i] },
  ],
  attrs: { op: 'pow' },
  tol: { rtol: 5e-5, atol: 1e-6 },
});
add({ name: 'Binary add scalar broadcast []x[7,9]', kernel: 'Binary', inputs: [{ name: 'a', shape: [] }, { name: 'b', shape: [7, 9] }], attrs: { op: 'add' } });
add({ name: 'Binary mul broadcast [2,1,3,1]x[1,5,1,4]', kernel: 'Binary', inputs: [{ name: 'a', shape: [2, 1, 3, 1] }, { name: 'b', shape: [1, 5, 1, 4] }], attrs: { op: 'mul' } });
add({ name: 'Binary add empty [0,3]x[3]', kernel: 'Binary', inputs: [{ name: 'a', shape: [0, 3] }, { name: 'b', shape: [3] }], attrs: { op: 'add' } });
add({ name: 'Binary sub large 1-D (not a multiple of 256)', kernel: 'Binary', inputs: [{ name: 'a', shape: [70001] }, { name: 'b', shape: [70001] }], attrs: { op: 'sub' } });

// ---- Where
add({ name: 'Where [5,1]x[1,6]x[]', kernel: 'Where', inputs: [{ name: 'cond', shape: [5, 1], gen: gens.ints(0, 2) }, { name: 'a', shape: [1, 6] }, { name: 'b', shape: [] }], attrs: {} });
add({ name: 'Where i32', kernel: 'Where', inputs: [{ name: 'cond', shape: [4, 3], gen: gens.ints(0, 2) }, { name: 'a', shape: [4, 3], gen: i32(-9, 9), dtype: 'i32' }, { name: 'b', shape: [3], gen: i32(-9, 9), dtype: 'i32' }], attrs: {} });

// ---- Reduce
for (const op of ['sum', 'max', 'min'] as const) {
  add({ name: `Reduce ${op} [7,300] axis 1 (workgroup per row)`, kernel: 'Reduce', inputs: [{ name: 'x', shape: [7, 300] }], attrs: { op, axis: 1, keepDims: false }, tol: sumTol(300) });
  add({ name: `Reduce ${op} [40,33] axis -1 (invocation per row)`, kernel: 'Reduce', inputs: [{ name: 'x', shape: [40, 33] }], attrs: { op, axis: -1, keepDims: true }, tol: sumTol(33) });
  add({ name: `Reduce ${op} [5,6,7] axis 1 (columns)`, kernel: 'Reduce', inputs: [{ name: 'x', shape: [5, 6, 7] }], attrs: { op, axis: 1, keepDims: false }, tol: sumTol(6) });
  add({ name: `Reduce ${op} [4,0,3] axis 1 (empty axis)`, kernel: 'Reduce', inputs: [{ name: 'x', shape: [4, 0, 3] }], attrs: { op, axis: 1, keepDims: false } });
  add({ name: `Reduce ${op} i32 [6,9] axis 0`, kernel: 'Reduce', inputs: [{ name: 'x', shape: [6, 9], gen: i32(-100, 100), dtype: 'i32' }], attrs: { op, axis: 0, keepDims: false } });
}
add({ name: 'Reduce sum [1,1] axis 0', kernel: 'Reduce', inputs: [{ name: 'x', shape: [1, 1] }], attrs: { op: 'sum', axis: 0, keepDims: false } });
add({ name: 'Reduce sum [2,100000] axis 1 (long rows)', kernel: 'Reduce', inputs: [{ name: 'x', shape: [2, 100000] }], attrs: { op: 'sum', axis: 1, keepDims: false }, tol: sumTol(100000) });
add({ name: 'Reduce max i32 empty axis', kernel: 'Reduce', inputs: [{ name: 'x', shape: [3, 0], dtype: 'i32', gen: i32(0, 1) }], attrs: { op: 'max', axis: 1, keepDims: false } });

// ---- ArgReduce (ties from small integers)
for (const op of ['argmax', 'argmin'] as const) {
  add({ name: `ArgReduce ${op} [20,37] axis 1 ties`, kernel: 'ArgReduce', inputs: [{ name: 'x', shape: [20, 37], gen: gens.smallInt }], attrs: { op, axis: 1, keepDims: false } });
  add({ name: `ArgReduce ${op} [3,600] axis -1 (workgroup per row) ties`, kernel: 'ArgReduce', inputs: [{ name: 'x', shape: [3, 600], gen: gens.smallInt }], attrs: { op, axis: -1, keepDims: true } });
  add({ name: `ArgReduce ${op} [6,5,4] axis 0 (columns) ties`, kernel: 'ArgReduce', inputs: [{ name: 'x', shape: [6, 5, 4], gen: gens.smallInt }], attrs: { op, axis: 0, keepDims: false } });
}
add({ name: 'ArgReduce argmax i32', kernel: 'ArgReduce', inputs: [{ name: 'x', shape: [4, 9], gen: i32(-3, 3), dtype: 'i32' }], attrs: { op: 'argmax', axis: 1, keepDims: false } });

// ---- Softmax / LogSoftmax
for (const k of ['Softmax', 'LogSoftmax'] as const) {
  add({ name: `${k} [5,1000] (workgroup per row)`, kernel: k, inputs: [{ name: 'x', shape: [5, 1000], gen: gens.scaled(4) }], attrs: {}, tol: { rtol: 5e-5, atol: 1e-6 } });
  add({ name: `${k} [3,11,17] (invocation per row)`, kernel: k, inputs: [{ name: 'x', shape: [3, 11, 17], gen: gens.scaled(4) }], attrs: {}, tol: { rtol: 5e-5, atol: 1e-6 } });
  add({ name: `${k} large logits (stability)`, kernel: k, inputs: [{ name: 'x', shape: [2, 9], gen: (r) => 80 + 30 * r.gaussian() }], attrs: {}, tol: { rtol: 5e-5, atol: 5e-6 } });
  add({ name: `${k} [1,1]`, kernel: k, inputs: [{ name: 'x', shape: [1, 1] }], attrs: {} });
  add({ name: `${k} empty [2,0]`, kernel: k, inputs: [{ name: 'x', shape: [2, 0] }], attrs: {} });
}

// ---- SwiGLU (fused gated-MLP activation and its VJP)
add({ name: 'SwiGLU [3,7,173]', kernel: 'SwiGLU', inputs: [{ name: 'gate', shape: [3, 7, 173], gen: gens.scaled(6) }, { name: 'up', shape: [3, 7, 173] }], attrs: {} });
add({ name: 'SwiGLU extremes', kernel: 'SwiGLU', inputs: [{ name: 'gate', shape: [41], gen: (_r, i) => (i - 20) * 5 }, { name: 'up', shape: [41] }], attrs: {} });
add({ name: 'SwiGLU empty [0,4]', kernel: 'SwiGLU', inputs: [{ name: 'gate', shape: [0, 4] }, { name: 'up', shape: [0, 4] }], attrs: {} });
add({ name: 'SwiGLU extremes past exp range [33]', kernel: 'SwiGLU', inputs: [{ name: 'gate', shape: [33], gen: (_r, i) => (i - 16) * 60 }, { name: 'up', shape: [33] }], attrs: {} });
add({ name: 'SwiGLUGrad odd, extremes past exp range [41]', kernel: 'SwiGLUGrad', inputs: [{ name: 'dy', shape: [41] }, { name: 'gate', shape: [41], gen: (_r, i) => (i - 20) * 45 }, { name: 'up', shape: [41] }], attrs: {}, tol: { rtol: 5e-5, atol: 1e-6 } });
add({ name: 'SwiGLUGrad [5,300]', kernel: 'SwiGLUGrad', inputs: [{ name: 'dy', shape: [5, 300] }, { name: 'gate', shape: [5, 300], gen: gens.scaled(6) }, { name: 'up', shape: [5, 300] }], attrs: {}, tol: { rtol: 5e-5, atol: 1e-6 } });

// ---- AdamStep (fused optimizer update: plain, L2 and decoupled weight decay)
for (const [wd, decoupled] of [[0, false], [0.01, false], [0.1, true]] as const) {
  add({
    name: `AdamStep [7,301] wd=${wd} decoupled=${decoupled}`,
    kernel: 'AdamStep',
    inputs: [{ name: 'param', shape: [7, 301] }, { name: 'grad', shape: [7, 301] }, { name: 'm', shape: [7, 301], gen: gens.scaled(0.1) }, { name: 'v', shape: [7, 301], gen: gens.positive }],
    attrs: { beta1: 0.9, beta2: 0.999, eps: 1e-8, sqrtBc2: Math.sqrt(1 - 0.999 ** 3), stepSize: 0.01 / (1 - 0.9 ** 3), lr: 0.01, weightDecay: wd, decoupled },
    tol: { rtol: 5e-5, atol: 1e-6 },
  });
}

// ---- SoftmaxGrad (fused VJP from the output; both strategies of the row kernels)
add({ name: 'SoftmaxGrad [3,700] (workgroup per row)', kernel: 'SoftmaxGrad', inputs: [{ name: 'dy', shape: [3, 700] }, { name: 'y', shape: [3, 700], gen: gens.positive }], attrs: {}, tol: sumTol(700, 4) });
add({ name: 'SoftmaxGrad [2,4,9,28] (invocation per row)', kernel: 'SoftmaxGrad', inputs: [{ name: 'dy', shape: [2, 4, 9, 28] }, { name: 'y', shape: [2, 4, 9, 28], gen: gens.positive }], attrs: {}, tol: sumTol(28, 4) });
add({ name: 'SoftmaxGrad empty rows [2,0]', kernel: 'SoftmaxGrad', inputs: [{ name: 'dy', shape: [2, 0] }, { name: 'y', shape: [2, 0] }], attrs: {} });

// ---- SoftmaxNll (fused log-softmax + NLL) and its VJP; both strategies of the row kernels, large logits
add({ name: 'SoftmaxNll [3,700] (workgroup per row)', kernel: 'SoftmaxNll', inputs: [{ name: 'logits', shape: [3, 700], gen: gens.scaled(4) }, { name: 'targets', shape: [3], gen: i32(0, 700), dtype: 'i32' }], attrs: {}, tol: sumTol(700, 4) });
add({ name: 'SoftmaxNll [2,9,61] (invocation per row)', kernel: 'SoftmaxNll', inputs: [{ name: 'logits', shape: [2, 9, 61] }, { name: 'targets', shape: [2, 9], gen: i32(0, 61), dtype: 'i32' }], attrs: {}, tol: sumTol(61, 4) });
add({ name: 'SoftmaxNll shifted logits [20,33]', kernel: 'SoftmaxNll', inputs: [{ name: 'logits', shape: [20, 33], gen: (r) => 80 + 3 * r.gaussian() }, { name: 'targets', shape: [20], gen: i32(0, 33), dtype: 'i32' }], attrs: {}, tol: sumTol(33, 40) });
// a vocabulary-wide odd row (cpu-f32: the SIMD exp in pairs, the last term apart) with logits ~900 below
// the row maximum (exp clamped to ~0)
add({ name: 'SoftmaxNll [4,6145] wide odd rows, far-below-max logits', kernel: 'SoftmaxNll', inputs: [{ name: 'logits', shape: [4, 6145], gen: (r, i) => (i % 7 === 3 ? -900 : 3 * r.gaussian()) }, { name: 'targets', shape: [4], gen: i32(0, 6145), dtype: 'i32' }], attrs: {}, tol: sumTol(6145, 4) });
add({ name: 'SoftmaxNll no rows [0,5]', kernel: 'SoftmaxNll', inputs: [{ name: 'logits', shape: [0, 5] }, { name: 'targets', shape: [0], dtype: 'i32' }], attrs: {} });
add({ name: 'SoftmaxNllGrad [3,700] (workgroup per row)', kernel: 'SoftmaxNllGrad', inputs: [{ name: 'dy', shape: [3] }, { name: 'logits', shape: [3, 700], gen: gens.scaled(4) }, { name: 'targets', shape: [3], gen: i32(0, 700), dtype: 'i32' }], attrs: {}, tol: sumTol(700, 4) });
add({ name: 'SoftmaxNllGrad [2,9,61] (invocation per row)', kernel: 'SoftmaxNllGrad', inputs: [{ name: 'dy', shape: [2, 9] }, { name: 'logits', shape: [2, 9, 61] }, { name: 'targets', shape: [2, 9], gen: i32(0, 61), dtype: 'i32' }], attrs: {}, tol: sumTol(61, 4) });
add({ name: 'SoftmaxNllGrad no rows [0,5]', kernel: 'SoftmaxNllGrad', inputs: [{ name: 'dy', shape: [0] }, { name: 'logits', shape: [0, 5] }, { name: 'targets', shape: [0], dtype: 'i32' }], attrs: {} });

// ---- Attention (fused QKᵀ·scale + bias, causal mask, softmax, ·V) and its VJP: grouped heads (H = 2·Hkv),
// keys past the queries (a cache), a padding bias of -1e9 per batch row, head sizes of 8/16/64, empty rows
/** A bias of `[Bb, 1, S, T]`: small values, -1e9 at key column `masked` of every row (never a whole row). */
const attnBias = (t: number, masked: number): Gen => (r, i) => (i % t === masked ? -1e9 : 0.5 * r.gaussian());
const attnInputs = (b: number, h: number, hkv: number, s: number, t: number, dh: number, bb: number, masked = -1, dy = false): CaseInput[] => [
  ...(dy ? [{ name: 'dy', shape: [b, h, s, dh] }] : []),
  { name: 'q', shape: [b, h, s, dh] },
  { name: 'k', shape: [b, hkv, t, dh] },
  { name: 'v', shape: [b, hkv, t, dh] },
  { name: 'bias', shape: [bb, 1, s, t], gen: attnBias(t, masked) },
];
for (const grad of [false, true]) {
  const kernel = grad ? 'AttentionGrad' : 'Attention';
  add({ name: `${kernel} causal, grouped heads, keys past the queries [2,4,5,8]x[2,2,7,8]`, kernel, inputs: attnInputs(2, 4, 2, 5, 7, 8, 1, -1, grad), attrs: { scale: 1 / Math.sqrt(8), causal: true }, tol: sumTol(7 * 8, 4) });
  add({ name: `${kernel} padding bias per row, not causal [2,2,6,16]`, kernel, inputs: attnInputs(2, 2, 2, 6, 6, 16, 2, 4, grad), attrs: { scale: 0.25, causal: false }, tol: sumTol(6 * 16, 4) });
  add({ name: `${kernel} causal with a masked key, Dh 64 [1,2,9,64]`, kernel, inputs: attnInputs(1, 2, 1, 9, 9, 64, 1, 0, grad), attrs: { scale: 0.125, causal: true }, tol: sumTol(9 * 64, 4) });
  add({ name: `${kernel} one query, one key [1,1,1,4]`, kernel, inputs: attnInputs(1, 1, 1, 1, 1, 4, 1, -1, grad), attrs: { scale: 0.5, causal: true }, tol: sumTol(4, 4) });
  add({ name: `${kernel} no queries [2,2,0,8]`, kernel, inputs: attnInputs(2, 2, 2, 0, 3, 8, 1, -1, grad), attrs: { scale: 0.5, causal: false } });
}

// ---- RmsNormGrad (fused input VJP; both strategies of the row kernels)
add({ name: 'RmsNormGrad [3,513] (workgroup per row)', kernel: 'RmsNormGrad', inputs: [{ name: 'dy', shape: [3, 513] }, { name: 'x', shape: [3, 513] }, { name: 'weight', shape: [513] }], attrs: { eps: 1e-5 }, tol: sumTol(513, 4) });
add({ name: 'RmsNormGrad [2,20,64] (invocation per row)', kernel: 'RmsNormGrad', inputs: [{ name: 'dy', shape: [2, 20, 64] }, { name: 'x', shape: [2, 20, 64] }, { name: 'weight', shape: [64] }], attrs: { eps: 1e-6 }, tol: sumTol(64, 4) });

// ---- RmsNorm
add({ name: 'RmsNorm [3,513] (workgroup per row)', kernel: 'RmsNorm', inputs: [{ name: 'x', shape: [3, 513] }, { name: 'weight', shape: [513] }], attrs: { eps: 1e-5 }, tol: { rtol: 5e-5, atol: 1e-6 } });
add({ name: 'RmsNorm [2,20,64] (invocation per row)', kernel: 'RmsNorm', inputs: [{ name: 'x', shape: [2, 20, 64] }, { name: 'weight', shape: [64] }], attrs: { eps: 1e-6 }, tol: { rtol: 5e-5, atol: 1e-6 } });
add({ name: 'RmsNorm [1,1]', kernel: 'RmsNorm', inputs: [{ name: 'x', shape: [1, 1] }, { name: 'weight', shape: [1] }], attrs: { eps: 1e-5 }, tol: { rtol: 5e-5, atol: 1e-6 } });

// ---- Rope
for (const [base, inverse] of [[10000, false], [10000, true], [500000, false]] as const) {
  add({
    name: `Rope [2,5,3,8] base ${base}${inverse ? ' inverse' : ''}`,
    kernel: 'Rope',
    inputs: [{ name: 'x', shape: [2, 5, 3, 8] }, { name: 'positions', shape: [2, 5], gen: i32(0, 200), dtype: 'i32' }],
    attrs: { base, inverse },
    tol: { rtol: 1e-4, atol: 2e-6 },
  });
}
add({
  name: 'Rope [1,3,2,64] large positions',
  kernel: 'Rope',
  inputs: [{ name: 'x', shape: [1, 3, 2, 64] }, { name: 'positions', shape: [1, 3], gen: (_r, i) => [0, 1023, 4095][i], dtype: 'i32' }],
  attrs: { base: 10000, inverse: false },
  tol: { rtol: 1e-3, atol: 2e-3 },
});

// ---- MatMul (subgroup path on capable devices, and the tiled path on the generic backend)
const mm = (name: string, a: number[], b: number[], transA: boolean, transB: boolean, generic = false) => {
  const K = transA ? a[a.length - 2] : a[a.length - 1];
  add({ name: `MatMul ${name}${generic ? ' (tiled)' : ''}`, kernel: 'MatMul', inputs: [{ name: 'a', shape: a }, { name: 'b', shape: b }], attrs: { transA, transB }, tol: sumTol(K, 2), generic });
};
for (const generic of [false, true]) {
  for (const [tA, tB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
    // M·N·K above DOT4_MIN_WORK: the dot4 kernel on capable devices; K = 129 needs padding, K = 128
    // with tB reads both operands in place
    for (const K of [129, 128]) {
      const M = 70;
      const N = 131;
      mm(`[${M},${K}]x[${K},${N}] tA=${tA} tB=${tB}`, tA ? [K, M] : [M, K], tB ? [N, K] : [K, N], tA, tB, generic);
    }
  }
  mm('odd [37,29]x[29,43]', [37, 29], [29, 43], false, false, generic);
  mm('batch broadcast [2,1,5,6]x[3,6,7]', [2, 1, 5, 6], [3, 6, 7], false, false, generic);
  mm('batch [3,40,48]x[3,48,36] tB', [3, 40, 48], [3, 36, 48], false, true, generic);
  mm('K=0 [3,0]x[0,4]', [3, 0], [0, 4], false, false, generic);
}
mm('vector-like [1,200]x[200,1]', [1, 200], [200, 1], false, false);
mm('M=0 [0,5]x[5,8]', [0, 5], [5, 8], false, false);
mm('larger [130,300]x[300,260]', [130, 300], [300, 260], false, false);
mm('batched dot4 broadcast [2,1,33,260]x[3,130,260] tB', [2, 1, 33, 260], [3, 130, 260], false, true);
mm('batched dot4 broadcast, packed [2,33,258]x[258,130]', [2, 33, 258], [258, 130], false, false);
mm('dot4 few rows [16,1024]x[96,1024] tB', [16, 1024], [96, 1024], false, true);
// a wide 2-D right operand (an LM head): cpu-f32 runs it in column panels of B (1,024 columns at K = 64),
// the last one partial and padded
mm('wide B panels [9,64]x[1100,64] tB', [9, 64], [1100, 64], false, true);
mm('wide B panels [2,5,64]x[64,2085]', [2, 5, 64], [64, 2085], false, false);
mm('wide B panels [64,7]x[1100,64] tA tB', [64, 7], [1100, 64], true, true);

// ---- MatMul with f16 operands (stored weights; f32 accumulation): in place (x @ Wᵀ, K % 4 == 0), packed
// (K odd, or W not transposed), A in f16, broadcast batches, odd element counts (half-word padding)
const mm16 = (name: string, a: number[], b: number[], transA: boolean, transB: boolean, aT: 'f32' | 'f16', bT: 'f32' | 'f16', generic = false) => {
  const K = transA ? a[a.length - 2] : a[a.length - 1];
  add({
    name: `MatMul ${aT}x${bT} ${name}${generic ? ' (tiled)' : ''}`,
    kernel: 'MatMul',
    inputs: [{ name: 'a', shape: a, dtype: aT }, { name: 'b', shape: b, dtype: bT }],
    attrs: { transA, transB },
    tol: sumTol(K, 2),
    generic,
  });
};
for (const generic of [false, true]) {
  mm16('[70,128]x[131,128] tB (in place)', [70, 128], [131, 128], false, true, 'f32', 'f16', generic);
  mm16('[70,129]x[131,129] tB (packed, K odd)', [70, 129], [131, 129], false, true, 'f32', 'f16', generic);
  mm16('[70,128]x[128,131] (packed, not transposed)', [70, 128], [128, 131], false, false, 'f32', 'f16', generic);
  mm16('[128,70]x[131,128] tA tB (A packed)', [128, 70], [131, 128], true, true, 'f16', 'f16', generic);
  mm16('odd [37,29]x[43,29] tB', [37, 29], [43, 29], false, true, 'f32', 'f16', generic);
  mm16('batch broadcast [2,3,40,48]x[36,48] tB', [2, 3, 40, 48], [36, 48], false, true, 'f32', 'f16', generic);
}
mm16('dot4 few rows [16,1024]x[96,1024] tB', [16, 1024], [96, 1024], false, true, 'f32', 'f16');
mm16('f16 A [33,260]x[130,260] tB', [33, 260], [130, 260], false, true, 'f16', 'f32');

// ---- Gather / ScatterAdd / PickLast / PutLast
add({ name: 'Gather [10,7] ids [3,4]', kernel: 'Gather', inputs: [{ name: 'table', shape: [10, 7] }, { name: 'ids', shape: [3, 4], gen: i32(0, 10), dtype: 'i32' }], attrs: {} });
add({ name: 'Gather i32 table', kernel: 'Gather', inputs: [{ name: 'table', shape: [5, 3], gen: i32(-9, 9), dtype: 'i32' }, { name: 'ids', shape: [6], gen: i32(0, 5), dtype: 'i32' }], attrs: {} });
add({ name: 'Gather f16 table [11,7] ids [3,4] (f32 rows)', kernel: 'Gather', inputs: [{ name: 'table', shape: [11, 7], dtype: 'f16' }, { name: 'ids', shape: [3, 4], gen: i32(0, 11), dtype: 'i32' }], attrs: {} });
add({ name: 'Gather empty ids', kernel: 'Gather', inputs: [{ name: 'table', shape: [4, 3] }, { name: 'ids', shape: [0], dtype: 'i32', gen: i32(0, 1) }], attrs: {} });
add({ name: 'ScatterAdd [6,5] repeated ids', kernel: 'ScatterAdd', inputs: [{ name: 'updates', shape: [6, 5] }, { name: 'ids', shape: [6], gen: i32(0, 3), dtype: 'i32' }], attrs: { numRows: 4 }, tol: sumTol(6) });
add({ name: 'ScatterAdd [2,300,3] ids [2,300] into 7 rows', kernel: 'ScatterAdd', inputs: [{ name: 'updates', shape: [2, 300, 3] }, { name: 'ids', shape: [2, 300], gen: i32(0, 7), dtype: 'i32' }], attrs: { numRows: 7 }, tol: sumTol(600) });
add({ name: 'ScatterAdd empty updates', kernel: 'ScatterAdd', inputs: [{ name: 'updates', shape: [0, 3] }, { name: 'ids', shape: [0], dtype: 'i32', gen: i32(0, 1) }], attrs: { numRows: 2 } });
add({ name: 'PickLast [4,9]', kernel: 'PickLast', inputs: [{ name: 'x', shape: [4, 9] }, { name: 'idx', shape: [4], gen: i32(0, 9), dtype: 'i32' }], attrs: {} });
add({ name: 'PickLast [2,3,300]', kernel: 'PickLast', inputs: [{ name: 'x', shape: [2, 3, 300] }, { name: 'idx', shape: [2, 3], gen: i32(0, 300), dtype: 'i32' }], attrs: {} });
add({ name: 'PutLast [4] depth 9', kernel: 'PutLast', inputs: [{ name: 'values', shape: [4] }, { name: 'idx', shape: [4], gen: i32(0, 9), dtype: 'i32' }], attrs: { depth: 9 } });
add({ name: 'PutLast [2,3] depth 1', kernel: 'PutLast', inputs: [{ name: 'values', shape: [2, 3] }, { name: 'idx', shape: [2, 3], gen: i32(0, 1), dtype: 'i32' }], attrs: { depth: 1 } });

// ---- Layout
add({ name: 'Transpose [2,3,4,5] perm [3,1,0,2]', kernel: 'Transpose', inputs: [{ name: 'x', shape: [2, 3, 4, 5] }], attrs: { perm: [3, 1, 0, 2] } });
add({ name: 'Transpose [1,7] perm [1,0]', kernel: 'Transpose', inputs: [{ name: 'x', shape: [1, 7] }], attrs: { perm: [1, 0] } });
add({ name: 'Transpose i32 [3,300]', kernel: 'Transpose', inputs: [{ name: 'x', shape: [3, 300], gen: i32(-5, 5), dtype: 'i32' }], attrs: { perm: [1, 0] } });
add({ name: 'Slice [5,6,7]', kernel: 'Slice', inputs: [{ name: 'x', shape: [5, 6, 7] }], attrs: { begin: [1, 0, 2], size: [3, 6, 4] } });
add({ name: 'Slice to empty', kernel: 'Slice', inputs: [{ name: 'x', shape: [5, 6] }], attrs: { begin: [2, 3], size: [0, 2] } });
add({ name: 'Pad [3,4]', kernel: 'Pad', inputs: [{ name: 'x', shape: [3, 4] }], attrs: { before: [1, 0], after: [2, 3] } });
add({ name: 'Pad i32 [2,1,3]', kernel: 'Pad', inputs: [{ name: 'x', shape: [2, 1, 3], gen: i32(1, 9), dtype: 'i32' }], attrs: { before: [0, 2, 1], after: [1, 0, 0] } });
add({ name: 'Pad empty input [0,2]', kernel: 'Pad', inputs: [{ name: 'x', shape: [0, 2] }], attrs: { before: [1, 1], after: [1, 0] } });
add({ name: 'Concat axis 1 with an empty part', kernel: 'Concat', list: true, inputs: [{ name: 'x0', shape: [2, 3] }, { name: 'x1', shape: [2, 0] }, { name: 'x2', shape: [2, 4] }], attrs: { axis: 1 } });
add({ name: 'Concat axis 0 three parts', kernel: 'Concat', list: true, inputs: [{ name: 'x0', shape: [1, 5] }, { name: 'x1', shape: [3, 5] }, { name: 'x2', shape: [2, 5] }], attrs: { axis: 0 } });
add({ name: 'Concat axis -1 i32 rank 3', kernel: 'Concat', list: true, inputs: [{ name: 'x0', shape: [2, 3, 1], gen: i32(0, 9), dtype: 'i32' }, { name: 'x1', shape: [2, 3, 2], gen: i32(0, 9), dtype: 'i32' }], attrs: { axis: -1 } });
add({ name: 'Reshape [3,4] -> [2,6]', kernel: 'Reshape', inputs: [{ name: 'x', shape: [3, 4] }], attrs: { shape: [2, 6] } });
add({ name: 'Cast f32 -> i32 (truncation toward zero)', kernel: 'Cast', inputs: [{ name: 'x', shape: [50], gen: gens.scaled(20) }], attrs: { dtype: 'i32' } });
add({ name: 'Cast i32 -> f32', kernel: 'Cast', inputs: [{ name: 'x', shape: [50], gen: i32(-100000, 100000), dtype: 'i32' }], attrs: { dtype: 'f32' } });
const exact: Tol = { rtol: 0, atol: 0 };
add({ name: 'Cast f32 -> f16 [51] (round to nearest even)', kernel: 'Cast', inputs: [{ name: 'x', shape: [51], gen: gens.scaled(300) }], attrs: { dtype: 'f16' }, tol: exact });
add({ name: 'Cast f32 -> f16 subnormals and ties', kernel: 'Cast', inputs: [{ name: 'x', shape: [9], gen: (_r, i) => [3e-6, -4e-7, 6e-8, 2 ** -25, 1 + 2 ** -11, 1 + 3 * 2 ** -11, -2049, 65504, 0][i] }], attrs: { dtype: 'f16' }, tol: exact });
add({ name: 'Cast f16 -> f32 [3,17]', kernel: 'Cast', inputs: [{ name: 'x', shape: [3, 17], dtype: 'f16' }], attrs: { dtype: 'f32' }, tol: exact });
add({ name: 'Slice f16 [5,7] first row', kernel: 'Slice', inputs: [{ name: 'x', shape: [5, 7], dtype: 'f16' }], attrs: { begin: [0, 0], size: [1, 7] }, tol: exact });
add({ name: 'Slice f16 [4,6,5] box', kernel: 'Slice', inputs: [{ name: 'x', shape: [4, 6, 5], dtype: 'f16' }], attrs: { begin: [1, 2, 1], size: [3, 3, 3] }, tol: exact });
add({ name: 'Transpose f16 [7,9]', kernel: 'Transpose', inputs: [{ name: 'x', shape: [7, 9], dtype: 'f16' }], attrs: { perm: [1, 0] }, tol: exact });
add({ name: 'Reshape f16 [3,5] -> [5,3]', kernel: 'Reshape', inputs: [{ name: 'x', shape: [3, 5], dtype: 'f16' }], attrs: { shape: [5, 3] }, tol: exact });
add({ name: 'Fill f32 -inf [3,5]', kernel: 'Fill', inputs: [], attrs: { shape: [3, 5], dtype: 'f32', value: -Infinity } });
add({ name: 'Fill f32 0.1 []', kernel: 'Fill', inputs: [], attrs: { shape: [], dtype: 'f32', value: 0.1 } });
add({ name: 'Fill i32 [300]', kernel: 'Fill', inputs: [], attrs: { shape: [300], dtype: 'i32', value: -7 } });
add({ name: 'Fill empty', kernel: 'Fill', inputs: [], attrs: { shape: [0, 4], dtype: 'f32', value: 3 } });

// ---- TopK
add({ name: 'TopK [7,50] k=5 ties', kernel: 'TopK', inputs: [{ name: 'x', shape: [7, 50], gen: gens.smallInt }], attrs: { k: 5 } });
add({ name: 'TopK [20,33] k=4', kernel: 'TopK', inputs: [{ name: 'x', shape: [20, 33] }], attrs: { k: 4 } });
add({ name: 'TopK [2,1000] k=3 (workgroup per row)', kernel: 'TopK', inputs: [{ name: 'x', shape: [2, 1000], gen: gens.smallInt }], attrs: { k: 3 } });
add({ name: 'TopK k=0', kernel: 'TopK', inputs: [{ name: 'x', shape: [3, 4] }], attrs: { k: 0 } });
add({ name: 'TopK k=n', kernel: 'TopK', inputs: [{ name: 'x', shape: [2, 6], gen: gens.smallInt }], attrs: { k: 6 } });

/** A case's seed offset: a hash of its name. */
export function hashName(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** Runs a case's kernel on `be` with the given host inputs; the outputs belong to the caller. */
export function executeCase(c: KernelCase, be: Backend, hosts: (Float32Array | Int32Array)[]): Tensor[] {
  return tidy(() => {
    const ts = c.inputs.map((inp, k) => tensor(hosts[k], inp.shape, { backend: be, dtype: inp.dtype ?? 'f32' }));
    const inputs: Record<string, Tensor | Tensor[]> = c.list ? { xs: ts } : Object.fromEntries(c.inputs.map((inp, k) => [inp.name, ts[k]]));
    return runKernel(c.kernel, inputs as never, c.attrs as never, be);
  });
}

/** Every case, in a fixed order. */
export const KERNEL_CASES: readonly KernelCase[] = cases;

/** The kernels of core's table (a conformance suite checks that the cases cover each). */
export const ALL_KERNELS: readonly KernelName[] = ['Unary', 'Binary', 'Where', 'Reduce', 'ArgReduce', 'Softmax', 'LogSoftmax', 'RmsNorm', 'Rope', 'MatMul', 'Gather', 'ScatterAdd', 'PickLast', 'PutLast', 'Transpose', 'Slice', 'Pad', 'Concat', 'Reshape', 'Cast', 'Fill', 'TopK', 'SwiGLU', 'SwiGLUGrad', 'RmsNormGrad', 'SoftmaxGrad', 'SoftmaxNll', 'SoftmaxNllGrad', 'Attention', 'AttentionGrad', 'AdamStep'];
