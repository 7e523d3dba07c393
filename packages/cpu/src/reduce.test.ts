import { describe, expect, it } from 'vitest';
import { argmax, argmin, max, mean, min, runKernel, setBackend, sum, tensor, topk } from '@crossedit/core';
import { createCpuBackend } from './index.js';
import { expectTensor, vals } from './testing/helpers.js';

setBackend(createCpuBackend());

const x23 = () => tensor([1, 5, 3, 4, 2, 6], [2, 3]);

describe('Reduce (hand-computed)', () => {
  it('sums, maxes and mins over one axis with and without keepDims', async () => {
    await expectTensor(sum(x23(), 0), [3], [5, 7, 9]);
    await expectTensor(sum(x23(), 1, true), [2, 1], [9, 12]);
    await expectTensor(sum(x23()), [], [21]);
    await expectTensor(max(x23(), 0), [3], [4, 5, 6]);
    await expectTensor(max(x23(), -1, true), [2, 1], [5, 6]);
    await expectTensor(min(x23(), 1), [2], [1, 2]);
    await expectTensor(mean(x23(), 0), [3], [2.5, 3.5, 4.5]);
  });

  it('reduces a middle axis of a rank-3 tensor', async () => {
    const t = tensor([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], [2, 3, 2]);
    await expectTensor(runKernel('Reduce', { x: t }, { op: 'sum', axis: 1, keepDims: false })[0], [2, 2], [6, 9, 24, 27]);
    await expectTensor(runKernel('Reduce', { x: t }, { op: 'max', axis: 1, keepDims: true })[0], [2, 1, 2], [4, 5, 10, 11]);
  });

  it('gives 0, -Infinity and +Infinity over an empty axis; identity over a size-1 axis', async () => {
    const e = tensor([], [2, 0]);
    await expectTensor(runKernel('Reduce', { x: e }, { op: 'sum', axis: 1, keepDims: false })[0], [2], [0, 0]);
    await expectTensor(runKernel('Reduce', { x: e }, { op: 'max', axis: 1, keepDims: false })[0], [2], [-Infinity, -Infinity]);
    await expectTensor(runKernel('Reduce', { x: e }, { op: 'min', axis: 1, keepDims: true })[0], [2, 1], [Infinity, Infinity]);
    await expectTensor(runKernel('Reduce', { x: e }, { op: 'sum', axis: 0, keepDims: false })[0], [0], []);
    await expectTensor(sum(tensor([3, 4], [2, 1]), 1), [2], [3, 4]);
  });

  it('reduces i32 (sum wraps; empty max is INT32_MIN)', async () => {
    const t = tensor([2147483647, 1, 5, -7], [2, 2], { dtype: 'i32' });
    const s = sum(t, 1);
    expect(s.dtype).toBe('i32');
    await expectTensor(s, [2], [-2147483648, -2]);
    const e = tensor([], [1, 0], { dtype: 'i32' });
    await expectTensor(runKernel('Reduce', { x: e }, { op: 'max', axis: 1, keepDims: false })[0], [1], [-2147483648]);
  });

  it('propagates NaN in max/min', async () => {
    expect((await vals(max(tensor([1, NaN, 3]))))[0]).toBeNaN();
  });
});

describe('ArgReduce (hand-computed)', () => {
  it('returns the first index on ties, as i32', async () => {
    const a = argmax(tensor([1, 3, 3, 2]));
    expect(a.dtype).toBe('i32');
    await expectTensor(a, [], [1]);
    await expectTensor(argmin(tensor([2, 1, 1, 5])), [], [1]);
    await expectTensor(argmax(tensor([7, 7, 7])), [], [0]);
  });

  it('works over a leading axis, with keepDims, and over size-1 axes', async () => {
    const t = tensor([1, 9, 8, 2, 8, 9], [3, 2]);
    await expectTensor(argmax(t, 0), [2], [1, 0]); // column 0 is [1, 8, 8]: first max at 1
    await expectTensor(argmin(t, 0, true), [1, 2], [0, 1]);
    await expectTensor(argmax(t, 1), [3], [1, 0, 1]);
    await expectTensor(argmax(tensor([4, 5], [2, 1]), 1), [2], [0, 0]);
    expect(() => argmax(tensor([], [2, 0]), 1)).toThrow(/empty/);
  });
});

describe('TopK (hand-computed)', () => {
  it('returns values descending with ties broken by lower index', async () => {
    const { values, indices } = topk(tensor([1, 3, 3, 2, 5, 3]), 4);
    await expectTensor(values, [4], [5, 3, 3, 3]);
    await expectTensor(indices, [4], [4, 1, 2, 5]);
    expect(indices.dtype).toBe('i32');
  });

  it('handles rows, k = 0, k = n, and negative values', async () => {
    const t = tensor([-1, -5, -3, 0, 2, 2], [2, 3]);
    const r = topk(t, 2);
    await expectTensor(r.values, [2, 2], [-1, -3, 2, 2]);
    await expectTensor(r.indices, [2, 2], [0, 2, 1, 2]);
    const z = topk(t, 0);
    expect(z.values.shape).toEqual([2, 0]);
    const all = topk(t, 3);
    await expectTensor(all.indices, [2, 3], [0, 2, 1, 1, 2, 0]);
    expect(() => topk(t, 4)).toThrow(/TopK: k=4/);
  });

  it('agrees with a stable sort on the large-k path, with many ties', async () => {
    const n = 200;
    const v = Array.from({ length: 2 * n }, (_, i) => ((i * 7919) % 13) - 6);
    const { values, indices } = topk(tensor(v, [2, n]), 50);
    const got = await vals(indices);
    const gotV = await vals(values);
    for (let r = 0; r < 2; r++) {
      const row = v.slice(r * n, (r + 1) * n);
      const order = row.map((_, i) => i).sort((i, j) => row[j] - row[i] || i - j).slice(0, 50);
      expect(got.slice(r * 50, (r + 1) * 50)).toEqual(order);
      expect(gotV.slice(r * 50, (r + 1) * 50)).toEqual(order.map((i) => row[i]));
    }
  });
});
