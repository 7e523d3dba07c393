/**
 * Gradient checks by central finite differences in float64: for every differentiable kernel, the
 * analytic VJP from `valueAndGrads` with a random cotangent dy is compared, element by element, with
 * `<dy, f(x + h e_i) - f(x - h e_i)> / 2h` (h = 1e-5) on random inputs kept away from kinks.
 */
import { describe, expect, it } from 'vitest';
import {
  abs, add, concat, crossEntropy, detach, div, exp, gather, log, logSoftmax, logSumExp, matmul, maximum, minimum, mul, neg, pad,
  pickLast, pow, putLast, reciprocal, relu, reshape, rmsNorm, softmaxNll, attention, Rng, rsqrt, runKernel, scatterAdd, setBackend, sigmoid,
  silu, swiglu, slice, softmax, sqrt, square, sub, sum, tanh, tensor, tidy, transpose, valueAndGrads, where, type Tensor,
} from '@crossedit/core';
import { createCpuBackend } from './index.js';

setBackend(createCpuBackend());
const rng = new Rng(7);
const H = 1e-5;
const RTOL = 1e-6;
const ATOL = 1e-8;

type Gen = (i: number) => number;
const normal: Gen = () => rng.gaussian();
const positive: Gen = () => 0.5 + 1.5 * rng.uniform();
/** Magnitude in [0.3, 2], random sign: away from the kinks of relu, abs, sign and 1/x. */
const awayFromZero: Gen = () => (rng.uniform() < 0.5 ? -1 : 1) * (0.3 + 1.7 * rng.uniform());
/** Distinct values on a grid with spacing 0.25 plus small jitter: no ties within FD reach. */
const distinct = (n: number): Gen => {
  const perm = Array.from({ length: n }, (_, i) => i).sort(() => rng.uniform() - 0.5);
  return (i) => 0.25 * perm[i] - 0.1 * n + 0.01 * rng.uniform();
};

interface Input {
  shape: number[];
  gen?: Gen;
}

let worst = 0;

/** Compares the analytic gradient of `<dy, f(xs)>` with central differences for every element of every input. */
async function checkGrads(f: (xs: Tensor[]) => Tensor, inputs: Input[]): Promise<void> {
  const data = inputs.map(({ shape, gen = normal }) => Float64Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => gen(i)));
  const xs = data.map((d, j) => tensor(d, inputs[j].shape));
  const y0 = tidy(() => f(xs));
  const dyData = Float64Array.from({ length: y0.size }, () => rng.gaussian());
  const dy = tensor(dyData, y0.shape);
  y0.dispose();
  const { value, grads } = valueAndGrads(() => f(xs), xs, { dy });
  const analytic = await Promise.all(grads.map((g) => g.data()));
  value.dispose();
  grads.forEach((g) => g.dispose());
  const evalAt = async (j: number, i: number, delta: number): Promise<number> => {
    const d = data[j].slice();
    d[i] += delta;
    const y = tidy(() => f(xs.map((x, q) => (q === j ? tensor(d, inputs[j].shape) : x))));
    const v = await y.data();
    y.dispose();
    let s = 0;
    for (let k = 0; k < v.length; k++) s += dyData[k] * v[k];
    return s;
  };
  for (let j = 0; j < xs.length; j++) {
    expect(grads[j].shape, `grad ${j} shape`).toEqual(inputs[j].shape);
    for (let i = 0; i < data[j].length; i++) {
      const fd = ((await evalAt(j, i, H)) - (await evalAt(j, i, -H))) / (2 * H);
      const an = analytic[j][i];
      const err = Math.abs(fd - an);
      const scale = Math.max(Math.abs(fd), Math.abs(an));
      worst = Math.max(worst, err / Math.max(scale, 1));
      if (!(err <= ATOL + RTOL * scale)) expect.fail(`input ${j} element ${i}: analytic ${an}, finite difference ${fd}`);
    }
  }
  xs.forEach((x) => x.dispose());
  dy.dispose();
}

const i32 = (v: number[], shape = [v.length]) => tensor(v, shape, { dtype: 'i32' });

describe('finite-difference gradient checks (float64, CPU)', () => {
  const unary: [string, (x: Tensor) => Tensor, Gen][] = [
    ['neg', neg, normal],
    ['exp', exp, normal],
    ['log', log, positive],
    ['sqrt', sqrt, positive],
    ['rsqrt', rsqrt, positive],
    ['silu', silu, normal],
    ['relu', relu, awayFromZero],
    ['sigmoid', sigmoid, normal],
    ['tanh', tanh, normal],
    ['abs', abs, awayFromZero],
    ['square', square, normal],
    ['recip', reciprocal, awayFromZero],
  ];
  for (const [name, op, gen] of unary) {
    it(`Unary ${name}`, () => checkGrads(([x]) => op(x), [{ shape: [2, 3], gen }]));
  }

  it('Binary add/sub/mul with broadcasting', async () => {
    await checkGrads(([a, b]) => add(a, b), [{ shape: [2, 3] }, { shape: [3] }]);
    await checkGrads(([a, b]) => sub(a, b), [{ shape: [2, 1] }, { shape: [1, 3] }]);
    await checkGrads(([a, b]) => mul(a, b), [{ shape: [2, 3] }, { shape: [2, 1] }]);
    await checkGrads(([a, b]) => mul(a, b), [{ shape: [] }, { shape: [2, 2] }]);
  });

  it('Binary div, max, min', async () => {
    await checkGrads(([a, b]) => div(a, b), [{ shape: [2, 3] }, { shape: [3], gen: awayFromZero }]);
    const d = distinct(12);
    await checkGrads(([a, b]) => maximum(a, b), [{ shape: [2, 3], gen: d }, { shape: [2, 3], gen: (i) => d(i + 6) }]);
    await checkGrads(([a, b]) => minimum(a, b), [{ shape: [2, 3], gen: d }, { shape: [3], gen: (i) => d(i + 6) }]);
  });

  it('Binary pow (positive base; negative base with an integer exponent)', async () => {
    await checkGrads(([a, b]) => pow(a, b), [{ shape: [2, 3], gen: positive }, { shape: [2, 3] }]);
    const e = tensor([2, 3, -1, 4, 1, -2], [2, 3]);
    await checkGrads(([a]) => pow(a, e), [{ shape: [2, 3], gen: () => -positive(0) }]);
    await checkGrads(([a]) => pow(a, 3), [{ shape: [4] }]);
  });

  it('Where with broadcasting', async () => {
    const cond = tensor([1, 0, 1, 0, 0, 1], [2, 3]);
    await checkGrads(([a, b]) => where(cond, a, b), [{ shape: [2, 3] }, { shape: [3] }]);
    await checkGrads(([a]) => where(tensor([0, 1]), a, 0), [{ shape: [3, 2] }]);
  });

  it('Reduce sum/max/min over each axis', async () => {
    for (const axis of [0, 1, 2]) {
      await checkGrads(([x]) => sum(x, axis), [{ shape: [2, 3, 4] }]);
      await checkGrads(([x]) => runKernel('Reduce', { x }, { op: 'max', axis, keepDims: true })[0], [{ shape: [2, 3, 4], gen: distinct(24) }]);
      await checkGrads(([x]) => runKernel('Reduce', { x }, { op: 'min', axis, keepDims: false })[0], [{ shape: [2, 3, 4], gen: distinct(24) }]);
    }
  });

  it('Softmax and LogSoftmax', async () => {
    await checkGrads(([x]) => softmax(x), [{ shape: [3, 5] }]);
    await checkGrads(([x]) => logSoftmax(x), [{ shape: [3, 5] }]);
    await checkGrads(([x]) => softmax(x), [{ shape: [4, 1] }]);
  });

  it('SwiGLU (gate and up; the fused VJP kernel)', async () => {
    await checkGrads(([g, u]) => swiglu(g, u), [{ shape: [2, 3, 5] }, { shape: [2, 3, 5] }]);
  });

  it('RmsNorm (x and weight)', async () => {
    await checkGrads(([x, w]) => rmsNorm(x, w, 1e-5), [{ shape: [2, 3, 4] }, { shape: [4] }]);
    await checkGrads(([x, w]) => rmsNorm(x, w, 0.5), [{ shape: [3, 1] }, { shape: [1] }]);
  });

  it('Rope (forward and inverse)', async () => {
    const pos = i32([0, 5, 17, 3, 1000, 2], [2, 3]);
    await checkGrads(([x]) => runKernel('Rope', { x, positions: pos }, { base: 10000, inverse: false })[0], [{ shape: [2, 3, 2, 4] }]);
    await checkGrads(([x]) => runKernel('Rope', { x, positions: pos }, { base: 100, inverse: true })[0], [{ shape: [2, 3, 1, 6] }]);
  });

  it('MatMul: every transpose combination, broadcast batches and vectors', async () => {
    const [M, K, N] = [3, 4, 5];
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        await checkGrads(([a, b]) => matmul(a, b, { transA, transB }), [
          { shape: transA ? [K, M] : [M, K] },
          { shape: transB ? [N, K] : [K, N] },
        ]);
      }
    }
    await checkGrads(([a, b]) => matmul(a, b), [{ shape: [2, 1, 3, 2] }, { shape: [3, 2, 3] }]);
    await checkGrads(([a, b]) => matmul(a, b, { transB: true }), [{ shape: [2, 2, 3] }, { shape: [4, 3] }]);
    // a batched A against a 2-D weight: the weight gradient as one product over the merged rows
    await checkGrads(([a, b]) => matmul(a, b), [{ shape: [2, 3, 2, 3] }, { shape: [3, 4] }]);
    await checkGrads(([a, b]) => matmul(a, b, { transA: true }), [{ shape: [2, 3, 2] }, { shape: [3, 4] }]);
    await checkGrads(([a, b]) => matmul(a, b), [{ shape: [3] }, { shape: [3, 2] }]);
  });

  it('Gather and ScatterAdd with repeated ids', async () => {
    const ids = i32([1, 4, 1, 0, 4, 4], [2, 3]);
    await checkGrads(([t]) => gather(t, ids), [{ shape: [5, 3] }]);
    await checkGrads(([u]) => scatterAdd(u, ids, 6), [{ shape: [2, 3, 2] }]);
  });

  it('PickLast and PutLast', async () => {
    const idx = i32([3, 0, 3]);
    await checkGrads(([x]) => pickLast(x, idx), [{ shape: [3, 4] }]);
    await checkGrads(([v]) => putLast(v, idx, 4), [{ shape: [3] }]);
  });

  it('Transpose, Slice, Pad, Concat, Reshape', async () => {
    await checkGrads(([x]) => transpose(x, [2, 0, 1]), [{ shape: [2, 3, 4] }]);
    await checkGrads(([x]) => slice(x, [1, 0, 2], [1, 2, 2]), [{ shape: [3, 2, 4] }]);
    await checkGrads(([x]) => pad(x, [1, 0], [2, 1]), [{ shape: [2, 3] }]);
    await checkGrads(([a, b, c]) => concat([a, b, c], 1), [{ shape: [2, 1] }, { shape: [2, 3] }, { shape: [2, 2] }]);
    const w = tensor([1, -2, 3, 0.5, 0.25, -1, 2, 4, -3, 1, 1, 0.1], [3, 4]);
    await checkGrads(([x]) => mul(reshape(x, [3, 4]), w), [{ shape: [2, 6] }]);
  });

  it('SoftmaxNll (the fused VJP kernel; logits only, targets are indices)', async () => {
    const t = i32([2, 0, 4, 1, 3, 3], [2, 3]);
    const w = tensor([1, -2, 0.5, 3, 0.25, -1], [2, 3]);
    await checkGrads(([l]) => mul(softmaxNll(l, t), w), [{ shape: [2, 3, 5] }]);
    await checkGrads(([l]) => softmaxNll(l, i32([0])), [{ shape: [1, 1] }]);
  });

  it('Attention (the fused VJP kernel: q, k, v; causal with keys past the queries, grouped heads; a padding bias)', async () => {
    const causalBias = tensor(Array.from({ length: 3 * 5 }, () => 0.3 * rng.gaussian()), [1, 1, 3, 5]);
    await checkGrads(([q, k, v]) => attention(q, k, v, causalBias, { scale: 0.4, causal: true }), [{ shape: [2, 4, 3, 4] }, { shape: [2, 2, 5, 4] }, { shape: [2, 2, 5, 4] }]);
    const pad = tensor(Array.from({ length: 2 * 4 * 4 }, (_, i) => (i % 4 === 1 ? -1e9 : 0.2 * rng.gaussian())), [2, 1, 4, 4]);
    await checkGrads(([q, k, v]) => attention(q, k, v, pad, { scale: 0.5 }), [{ shape: [2, 1, 4, 3] }, { shape: [2, 1, 4, 3] }, { shape: [2, 1, 4, 3] }]);
  });

  it('composites: masked cross-entropy, logSumExp, a tiny RMSNorm/SiLU MLP', async () => {
    const targets = i32([2, 0, 4, 1]);
    const mask = tensor([1, 0, 1, 1]);
    await checkGrads(([l]) => crossEntropy(l, targets, mask), [{ shape: [4, 5] }]);
    await checkGrads(([x]) => logSumExp(x), [{ shape: [2, 6] }]);
    const ids = i32([3, 1, 3], [1, 3]);
    await checkGrads(
      ([emb, g, w1, w2]) => {
        const h = rmsNorm(gather(emb, ids), g, 1e-6);
        const z = matmul(silu(matmul(h, w1, { transB: true })), w2, { transB: true });
        return softmax(add(z, h));
      },
      [{ shape: [4, 3] }, { shape: [3] }, { shape: [5, 3] }, { shape: [3, 5] }],
    );
  });

  it('the checker catches a wrong gradient (x * detach(x) has analytic gradient x, true 2x)', async () => {
    const saved = worst;
    await expect(checkGrads(([x]) => mul(x, detach(x)), [{ shape: [3] }])).rejects.toThrow(/finite difference/);
    worst = saved;
  });

  it('Reduce max shares the cotangent evenly among ties', async () => {
    const x = tensor([1, 3, 3, 2]);
    const { value, grads } = valueAndGrads(() => runKernel('Reduce', { x }, { op: 'max', axis: 0, keepDims: false })[0], [x]);
    expect(Array.from(await grads[0].data())).toEqual([0, 0.5, 0.5, 0]);
    value.dispose();
  });

  it('reports the worst relative error', () => {
    console.log(`worst FD relative error: ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(RTOL);
  });
});
