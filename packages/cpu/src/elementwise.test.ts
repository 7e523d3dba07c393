import { describe, expect, it } from 'vitest';
import {
  abs, add, div, equal, exp, fill, greater, greaterEqual, less, lessEqual, log, maximum, minimum, mul, neg, notEqual,
  pow, reciprocal, relu, rsqrt, setBackend, ShapeError, sigmoid, sign, silu, sqrt, square, step, sub, tanh, tensor, unary, where,
} from '@crossedit/core';
import { createCpuBackend } from './index.js';
import { expectTensor, vals } from './testing/helpers.js';

setBackend(createCpuBackend());

const x = () => tensor([-2, -0.5, 0, 0.5, 2], [5]);
const i32 = (v: number[], shape = [v.length]) => tensor(v, shape, { dtype: 'i32' });

describe('Unary (hand-computed)', () => {
  it('computes each f32 op', async () => {
    await expectTensor(neg(x()), [5], [2, 0.5, -0, -0.5, -2]);
    await expectTensor(exp(tensor([0, 1, -1])), [3], [1, Math.E, 1 / Math.E]);
    await expectTensor(log(tensor([1, Math.E, 0])), [3], [0, 1, -Infinity]);
    await expectTensor(sqrt(tensor([4, 9, 0])), [3], [2, 3, 0]);
    await expectTensor(rsqrt(tensor([4, 0.25])), [2], [0.5, 2]);
    // silu(x) = x / (1 + e^-x); silu(2) = 2 / (1 + e^-2) = 1.7615941559557646 (values from Python math)
    await expectTensor(silu(x()), [5], [-0.2384058440442351, -0.1887703343990727, 0, 0.3112296656009273, 1.7615941559557646]);
    await expectTensor(relu(x()), [5], [0, 0, 0, 0.5, 2]);
    await expectTensor(sigmoid(tensor([0, 2])), [2], [0.5, 0.8807970779778823]);
    await expectTensor(tanh(tensor([0, 1])), [2], [0, 0.7615941559557649]);
    await expectTensor(abs(x()), [5], [2, 0.5, 0, 0.5, 2]);
    await expectTensor(square(x()), [5], [4, 0.25, 0, 0.25, 4]);
    await expectTensor(reciprocal(tensor([2, -4, 0])), [3], [0.5, -0.25, Infinity]);
    await expectTensor(sign(x()), [5], [-1, -1, 0, 1, 1]);
    await expectTensor(step(x()), [5], [0, 0, 0, 1, 1]);
  });

  it('is stable at extreme inputs and keeps NaN where documented', async () => {
    await expectTensor(sigmoid(tensor([-1000, 1000])), [2], [0, 1]);
    const s = await vals(silu(tensor([-1000, 1000])));
    expect(Math.abs(s[0])).toBe(0);
    expect(s[1]).toBe(1000);
    expect((await vals(relu(tensor([NaN]))))[0]).toBeNaN();
    expect(await vals(step(tensor([NaN])))).toEqual([0]);
  });

  it('supports i32 neg/abs/square/sign (wrapping) and rejects i32 exp', async () => {
    await expectTensor(neg(i32([3, -4, 0])), [3], [-3, 4, 0]);
    await expectTensor(abs(i32([3, -4])), [2], [3, 4]);
    await expectTensor(square(i32([-3, 65536])), [2], [9, 0]); // 2^32 wraps to 0
    await expectTensor(sign(i32([-7, 0, 9])), [3], [-1, 0, 1]);
    expect((await i32([1]).data()) instanceof Int32Array).toBe(true);
    expect(() => unary('exp', i32([1]))).toThrow(ShapeError);
  });

  it('handles empty and rank-0 tensors', async () => {
    await expectTensor(exp(tensor([], [2, 0])), [2, 0], []);
    await expectTensor(neg(fill([], 3)), [], [-3]);
  });
});

describe('Binary (hand-computed)', () => {
  it('broadcasts numpy-style', async () => {
    const a = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
    await expectTensor(add(a, tensor([10, 20, 30])), [2, 3], [11, 22, 33, 14, 25, 36]);
    await expectTensor(sub(a, tensor([1, 2], [2, 1])), [2, 3], [0, 1, 2, 2, 3, 4]);
    await expectTensor(mul(tensor([1, 2], [2, 1]), tensor([3, 4, 5], [1, 3])), [2, 3], [3, 4, 5, 6, 8, 10]);
    await expectTensor(div(a, 2), [2, 3], [0.5, 1, 1.5, 2, 2.5, 3]);
    await expectTensor(div(12, tensor([3, 4, 0])), [3], [4, 3, Infinity]);
    await expectTensor(add(tensor([1, 2], [1, 2, 1]), tensor([10, 20, 30], [3, 1, 1, 1])), [3, 1, 2, 1], [11, 12, 21, 22, 31, 32]);
    await expectTensor(add(tensor([], [0, 3]), tensor([1, 2, 3])), [0, 3], []);
    await expectTensor(add(fill([], 1), fill([], 2)), [], [3]);
  });

  it('computes max, min and pow (negative base with integer exponent)', async () => {
    const a = tensor([1, -3, 5]);
    const b = tensor([2, -4, 5]);
    await expectTensor(maximum(a, b), [3], [2, -3, 5]);
    await expectTensor(minimum(a, b), [3], [1, -4, 5]);
    await expectTensor(pow(tensor([-2, -2, 3, 4, -2]), tensor([3, 2, 0, 0.5, 0.5])), [5], [-8, 4, 1, 2, NaN]);
    await expectTensor(pow(tensor([2, 0]), -1), [2], [0.5, Infinity]);
  });

  it('comparisons give f32 0/1, also on i32 inputs', async () => {
    const a = tensor([1, 2, 3]);
    const b = tensor([2, 2, 2]);
    await expectTensor(equal(a, b), [3], [0, 1, 0]);
    await expectTensor(notEqual(a, b), [3], [1, 0, 1]);
    await expectTensor(less(a, b), [3], [1, 0, 0]);
    await expectTensor(lessEqual(a, b), [3], [1, 1, 0]);
    await expectTensor(greater(a, b), [3], [0, 0, 1]);
    await expectTensor(greaterEqual(a, b), [3], [0, 1, 1]);
    const c = greater(i32([1, 5, 3]), i32([2]));
    expect(c.dtype).toBe('f32');
    await expectTensor(c, [3], [0, 1, 1]);
    expect((await c.data()) instanceof Float64Array).toBe(true);
  });

  it('i32 add/sub/mul/max/min wrap to 32 bits and stay i32', async () => {
    const s = add(i32([2147483647, 1]), i32([1, 2]));
    expect(s.dtype).toBe('i32');
    await expectTensor(s, [2], [-2147483648, 3]);
    await expectTensor(sub(i32([-2147483648]), i32([1])), [1], [2147483647]);
    await expectTensor(mul(i32([65536, -3]), i32([65536, 7])), [2], [0, -21]);
    await expectTensor(maximum(i32([1, 9]), i32([4])), [2], [4, 9]);
    await expectTensor(minimum(i32([1, 9]), i32([4])), [2], [1, 4]);
  });

  it('rejects mismatched shapes and dtypes, naming the op and the shapes', () => {
    expect(() => add(tensor([1, 2, 3, 4, 5, 6], [2, 3]), tensor([1, 2, 3, 4], [4]))).toThrow(/Binary\(add\).*\[2,3\].*\[4\]/);
    expect(() => add(tensor([1]), i32([1]))).toThrow(ShapeError);
    expect(() => div(i32([1]), i32([1]))).toThrow(/Binary\(div\): needs f32/);
  });
});

describe('Where (hand-computed)', () => {
  it('selects with broadcasting over cond, a and b', async () => {
    const cond = tensor([1, 0, -2]);
    const a = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
    await expectTensor(where(cond, a, 0), [2, 3], [1, 0, 3, 4, 0, 6]);
    await expectTensor(where(tensor([0, 1], [2, 1]), tensor([7, 8, 9]), -1), [2, 3], [-1, -1, -1, 7, 8, 9]);
    await expectTensor(where(tensor([NaN]), tensor([1]), tensor([2])), [1], [1]);
    await expectTensor(where(tensor([1, 0]), i32([3, 4]), i32([5, 6])), [2], [3, 6]);
  });
});
