/**
 * The fused log-softmax + NLL kernel against the ops it replaces (`-pickLast(logSoftmax(x), t)`): equal
 * values on the float64 reference and on the f32 backend, gradients equal to float64 rounding, and the
 * errors of bad targets. (Conformance against the reference and finite differences are in the shared
 * suites.)
 */
import { describe, expect, it } from 'vitest';
import { crossEntropy, logSoftmax, mul, pickLast, Rng, softmaxNll, sum, tensor, valueAndGrads, type Backend } from '@crossedit/core';
import { createCpuBackend, createCpuF32Backend } from './index.js';

function data(backend: Backend, rows: number, v: number, seed: number) {
  const rng = new Rng(seed);
  const x = tensor(Array.from({ length: rows * v }, () => 5 * rng.gaussian()), [rows, v], { backend });
  const t = tensor(Array.from({ length: rows }, () => rng.int(v)), [rows], { backend, dtype: 'i32' });
  return { x, t };
}

describe('SoftmaxNll (fused) against -pickLast(logSoftmax(x), t)', () => {
  for (const make of [createCpuBackend, createCpuF32Backend]) {
    it(`${make().name}: identical values; gradients to rounding`, async () => {
      const backend = make();
      const { x, t } = data(backend, 7, 301, 3);
      const fused = await softmaxNll(x, t).data();
      const unfused = await mul(pickLast(logSoftmax(x), t), -1).data();
      expect(Array.from(fused)).toEqual(Array.from(unfused));
      const w = tensor([1, -2, 0.5, 3, 0.25, -1, 2], [7], { backend });
      const g1 = valueAndGrads(() => sum(mul(softmaxNll(x, t), w)), [x]).grads[0];
      const g2 = valueAndGrads(() => sum(mul(mul(pickLast(logSoftmax(x), t), -1), w)), [x]).grads[0];
      const [a, b] = [await g1.data(), await g2.data()];
      const tol = backend.name === 'cpu' ? 1e-15 : 1e-6;
      let worst = 0;
      for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
      expect(worst).toBeLessThan(tol);
      expect(Math.max(...Array.from(a, Math.abs))).toBeGreaterThan(0.1);
      backend.dispose();
    });
  }

  it('crossEntropy (which uses it) keeps its masked mean', async () => {
    const backend = createCpuBackend();
    const x = tensor([1, 2, 3, 0, 0, 0], [2, 3], { backend });
    const t = tensor([2, 1], [2], { backend, dtype: 'i32' });
    const mask = tensor([1, 0], [2], { backend });
    const lse = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));
    expect(await crossEntropy(x, t, mask).item()).toBeCloseTo(lse - 3, 14);
    expect(await crossEntropy(x, t).item()).toBeCloseTo((lse - 3 + Math.log(3)) / 2, 14);
    backend.dispose();
  });

  it('throws a RangeError naming the target for one outside [0, V), and a ShapeError for mismatched shapes', () => {
    const backend = createCpuBackend();
    const x = tensor([1, 2, 3, 4], [2, 2], { backend });
    expect(() => softmaxNll(x, tensor([0, 2], [2], { backend, dtype: 'i32' }))).toThrow(/SoftmaxNll: targets\[1\] = 2 is out of range \[0, 2\)/);
    expect(() => softmaxNll(x, tensor([0, 1, 1], [3], { backend, dtype: 'i32' }))).toThrow(/SoftmaxNll: targets must have the shape of logits without its last axis/);
    expect(() => softmaxNll(x, tensor([0, 1], [2], { backend }))).toThrow(/input 'targets' must be i32/);
    backend.dispose();
  });
});
