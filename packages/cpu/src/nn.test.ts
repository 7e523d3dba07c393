import { describe, expect, it } from 'vitest';
import { gather, logSoftmax, matmul, pickLast, putLast, rmsNorm, rope, runKernel, scatterAdd, setBackend, softmax, tensor } from '@crossedit/core';
import { createCpuBackend } from './index.js';
import { expectTensor } from './testing/helpers.js';

setBackend(createCpuBackend());

const i32 = (v: number[], shape = [v.length]) => tensor(v, shape, { dtype: 'i32' });

describe('Softmax / LogSoftmax (hand-computed, values from Python math)', () => {
  it('computes rows over the last axis', async () => {
    await expectTensor(softmax(tensor([1, 2, 3, 1, 1, 1], [2, 3])), [2, 3], [0.09003057317038046, 0.24472847105479764, 0.6652409557748218, 1 / 3, 1 / 3, 1 / 3]);
    await expectTensor(logSoftmax(tensor([1, 2, 3])), [3], [-2.4076059644443806, -1.4076059644443804, -0.4076059644443804]);
  });

  it('is stable for large inputs and handles size-1, empty and -Infinity entries', async () => {
    await expectTensor(softmax(tensor([1000, 1000, -Infinity])), [3], [0.5, 0.5, 0]);
    await expectTensor(logSoftmax(tensor([1000, 1000])), [2], [-Math.LN2, -Math.LN2]);
    await expectTensor(softmax(tensor([5, -7], [2, 1])), [2, 1], [1, 1]);
    await expectTensor(logSoftmax(tensor([5], [1, 1])), [1, 1], [0]);
    await expectTensor(softmax(tensor([], [3, 0])), [3, 0], []);
  });
});

describe('RmsNorm (hand-computed)', () => {
  it('computes x * rsqrt(mean(x^2) + eps) * w per row', async () => {
    // row [1,2,3,4]: mean square 7.5; row [0,0,0,0] with eps 1e-6 stays 0
    const y = rmsNorm(tensor([1, 2, 3, 4, 0, 0, 0, 0], [2, 4]), tensor([1, 1, 2, 0.5]), 0);
    const e = [0.3651483716701107, 0.7302967433402214, 2.1908902300206643, 0.7302967433402214];
    await expectTensor(y, [2, 4], [...e, NaN, NaN, NaN, NaN]);
    await expectTensor(rmsNorm(tensor([0, 0], [1, 2]), tensor([1, 1]), 1e-6), [1, 2], [0, 0]);
    // eps: [3] with eps 1: 3 / sqrt(9 + 1)
    await expectTensor(rmsNorm(tensor([3], [1, 1]), tensor([2]), 1), [1, 1], [6 / Math.sqrt(10)]);
  });
});

describe('Rope (hand-computed)', () => {
  it('rotates pairs (i, i + Dh/2) by pos * base^(-2i/Dh)', async () => {
    const x = tensor([1, 2, 3, 4, 1, 2, 3, 4], [1, 2, 1, 4]);
    const pos = i32([0, 1], [1, 2]);
    // position 0 is the identity; position 1: theta = [1, 0.01]
    await expectTensor(rope(x, pos, 10000), [1, 2, 1, 4], [1, 2, 3, 4, -1.9841106485555495, 1.959900667496664, 2.4623779024123156, 4.019799668334994], 1e-14);
  });

  it('inverse undoes the rotation', async () => {
    const x = tensor([0.3, -1.2, 2.5, 0.7, 1.1, -0.4, 0.9, 2.2], [1, 1, 2, 4]);
    const pos = i32([17], [1, 1]);
    const y = rope(x, pos, 500);
    const back = runKernel('Rope', { x: y, positions: pos }, { base: 500, inverse: true })[0];
    await expectTensor(back, [1, 1, 2, 4], [0.3, -1.2, 2.5, 0.7, 1.1, -0.4, 0.9, 2.2], 1e-13);
  });
});

describe('MatMul (hand-computed)', () => {
  const a = () => tensor([1, 2, 3, 4, 5, 6], [2, 3]);
  const b = () => tensor([7, 8, 9, 10, 11, 12], [3, 2]);
  it('multiplies with every transpose combination', async () => {
    const c = [58, 64, 139, 154];
    await expectTensor(matmul(a(), b()), [2, 2], c);
    await expectTensor(matmul(tensor([1, 4, 2, 5, 3, 6], [3, 2]), b(), { transA: true }), [2, 2], c);
    await expectTensor(matmul(a(), tensor([7, 9, 11, 8, 10, 12], [2, 3]), { transB: true }), [2, 2], c);
    await expectTensor(matmul(tensor([1, 4, 2, 5, 3, 6], [3, 2]), tensor([7, 9, 11, 8, 10, 12], [2, 3]), { transA: true, transB: true }), [2, 2], c);
  });

  it('broadcasts batch dimensions', async () => {
    // a: [2,1,1,2], b: [3,2,1] -> [2,3,1,1]
    const y = matmul(tensor([1, 2, 3, 4], [2, 1, 1, 2]), tensor([1, 0, 0, 1, 1, 1], [3, 2, 1]));
    await expectTensor(y, [2, 3, 1, 1], [1, 2, 3, 3, 4, 7]);
    // a: [2,2] shared by a batch of b: [2,2,1]
    await expectTensor(matmul(tensor([1, 2, 3, 4], [2, 2]), tensor([1, 1, 2, 0], [2, 2, 1])), [2, 2, 1], [3, 7, 2, 6]);
  });

  it('handles K = 0, M = 0 and vectors', async () => {
    await expectTensor(matmul(tensor([], [2, 0]), tensor([], [0, 3])), [2, 3], [0, 0, 0, 0, 0, 0]);
    await expectTensor(matmul(tensor([], [0, 2]), tensor([1, 2, 3, 4], [2, 2])), [0, 2], []);
    await expectTensor(matmul(tensor([1, 2]), tensor([3, 4])), [], [11]);
  });

  it('names the op and shapes on a mismatch', () => {
    expect(() => matmul(a(), a())).toThrow(/MatMul: inner dimensions differ: 3 vs 2.*\[2,3\].*\[2,3\]/);
  });
});

describe('Gather / ScatterAdd / PickLast / PutLast (hand-computed)', () => {
  const table = () => tensor([0, 1, 10, 11, 20, 21], [3, 2]);
  it('gathers rows at any id shape', async () => {
    await expectTensor(gather(table(), i32([2, 0, 1, 2], [2, 2])), [2, 2, 2], [20, 21, 0, 1, 10, 11, 20, 21]);
    await expectTensor(gather(table(), i32([], [0])), [0, 2], []);
    await expectTensor(gather(tensor([5, 6], [2, 1], { dtype: 'i32' }), i32([1, 1])), [2, 1], [6, 6]);
  });

  it('throws a RangeError naming the id and V for an out-of-range id', () => {
    expect(() => gather(table(), i32([0, 5]))).toThrow(RangeError);
    expect(() => gather(table(), i32([0, 5]))).toThrow(/Gather: ids\[1\] = 5 is out of range \[0, 3\)/);
    expect(() => gather(table(), i32([-1]))).toThrow(/-1 is out of range \[0, 3\)/);
  });

  it('scatter-adds rows, summing duplicates', async () => {
    await expectTensor(scatterAdd(tensor([1, 2, 3, 4, 5, 6], [3, 2]), i32([2, 0, 2]), 4), [4, 2], [3, 4, 0, 0, 6, 8, 0, 0]);
    expect(() => scatterAdd(tensor([1, 2], [1, 2]), i32([4]), 4)).toThrow(/ScatterAdd: ids\[0\] = 4 is out of range \[0, 4\)/);
  });

  it('picks and puts along the last axis', async () => {
    const x = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
    await expectTensor(pickLast(x, i32([2, 0])), [2], [3, 4]);
    await expectTensor(putLast(tensor([7, 8]), i32([1, 2]), 3), [2, 3], [0, 7, 0, 0, 0, 8]);
    await expectTensor(pickLast(tensor([9], [1]), i32([0], [])), [], [9]);
    expect(() => pickLast(x, i32([3, 0]))).toThrow(/PickLast: idx\[0\] = 3/);
    expect(() => putLast(tensor([1]), i32([3]), 3)).toThrow(/PutLast: idx\[0\] = 3/);
  });
});
