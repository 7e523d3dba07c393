import { describe, expect, it } from 'vitest';
import { cast, concat, fill, pad, runKernel, setBackend, slice, tensor, transpose } from '@crossedit/core';
import { createCpuBackend } from './index.js';
import { expectTensor } from './testing/helpers.js';

const cpu = createCpuBackend();
setBackend(cpu);

const r234 = () => tensor(Array.from({ length: 24 }, (_, i) => i), [2, 3, 4]);

describe('Transpose (hand-computed)', () => {
  it('permutes 2-D and 3-D tensors', async () => {
    await expectTensor(transpose(tensor([1, 2, 3, 4, 5, 6], [2, 3])), [3, 2], [1, 4, 2, 5, 3, 6]);
    const y = transpose(r234(), [2, 0, 1]);
    expect(y.shape).toEqual([4, 2, 3]);
    const d = await y.data();
    // y[k, i, j] = x[i, j, k] = 12 i + 4 j + k
    for (let k = 0; k < 4; k++) for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) expect(d[k * 6 + i * 3 + j]).toBe(12 * i + 4 * j + k);
  });

  it('handles identity, size-1, empty and rank-0', async () => {
    await expectTensor(transpose(tensor([1, 2, 3], [1, 3]), [1, 0]), [3, 1], [1, 2, 3]);
    await expectTensor(transpose(tensor([], [0, 3]), [1, 0]), [3, 0], []);
    await expectTensor(transpose(fill([], 7), []), [], [7]);
    await expectTensor(transpose(tensor([1, 2, 3, 4], [2, 2], { dtype: 'i32' })), [2, 2], [1, 3, 2, 4]);
  });
});

describe('Slice / Pad / Concat (hand-computed)', () => {
  it('slices a box', async () => {
    await expectTensor(slice(r234(), [1, 1, 2], [1, 2, 2]), [1, 2, 2], [18, 19, 22, 23]);
    await expectTensor(slice(r234(), [0, 2, 0], [2, 1, 4]), [2, 1, 4], [8, 9, 10, 11, 20, 21, 22, 23]);
    await expectTensor(slice(r234(), [0, 3, 0], [2, 0, 4]), [2, 0, 4], []);
    expect(() => slice(r234(), [0, 2, 0], [2, 2, 4])).toThrow(/Slice: axis 1: \[2, 4\) is outside \[0, 3\)/);
  });

  it('pads with zeros', async () => {
    await expectTensor(pad(tensor([1, 2, 3, 4], [2, 2]), [1, 0], [0, 2]), [3, 4], [0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0, 0]);
    await expectTensor(pad(tensor([], [0, 2]), [1, 0], [0, 0]), [1, 2], [0, 0]);
    await expectTensor(pad(tensor([5], [1], { dtype: 'i32' }), [2], [1]), [4], [0, 0, 5, 0]);
  });

  it('concatenates along any axis, including zero-extent inputs', async () => {
    const a = tensor([1, 2, 3, 4], [2, 2]);
    const b = tensor([5, 6], [2, 1]);
    const e = tensor([], [2, 0]);
    await expectTensor(concat([a, b, e], 1), [2, 3], [1, 2, 5, 3, 4, 6]);
    await expectTensor(concat([a, tensor([7, 8], [1, 2])], 0), [3, 2], [1, 2, 3, 4, 7, 8]);
    await expectTensor(concat([a, b], -1), [2, 3], [1, 2, 5, 3, 4, 6]);
    await expectTensor(concat([tensor([1], [1], { dtype: 'i32' }), tensor([2, 3], [2], { dtype: 'i32' })]), [3], [1, 2, 3]);
    expect(() => concat([a, b], 0)).toThrow(/Concat: inputs disagree outside axis 0/);
  });
});

describe('Reshape / Cast / Fill (hand-computed)', () => {
  it('Reshape copies when run on the backend directly', async () => {
    const s = cpu.upload(Float64Array.of(1, 2, 3, 4), [2, 2], 'f32');
    const [o] = cpu.run('Reshape', { x: { storage: s, shape: [2, 2], dtype: 'f32' } }, { shape: [4] }, [{ shape: [4], dtype: 'f32' }]);
    expect(o).not.toBe(s);
    expect(Array.from(await cpu.read(o, { shape: [4], dtype: 'f32' }))).toEqual([1, 2, 3, 4]);
    cpu.free(s);
    cpu.free(o);
  });

  it('Cast truncates toward zero, saturates and maps NaN to 0', async () => {
    const y = cast(tensor([2.7, -2.7, 0.5, -0.5, 1e10, -1e10, NaN, 7]), 'i32');
    expect(y.dtype).toBe('i32');
    expect((await y.data()) instanceof Int32Array).toBe(true);
    await expectTensor(y, [8], [2, -2, 0, 0, 2147483647, -2147483648, 0, 7]);
    const f = cast(tensor([3, -4], [2], { dtype: 'i32' }), 'f32');
    await expectTensor(f, [2], [3, -4]);
    expect((await f.data()) instanceof Float64Array).toBe(true);
    await expectTensor(runKernel('Cast', { x: tensor([1.5]) }, { dtype: 'f32' })[0], [1], [1.5]);
  });

  it('Fill makes constant f32 (unrounded float64) and i32 tensors', async () => {
    await expectTensor(fill([2, 2], 0.1), [2, 2], [0.1, 0.1, 0.1, 0.1], 0);
    await expectTensor(fill([3], -4, { dtype: 'i32' }), [3], [-4, -4, -4]);
    await expectTensor(fill([0, 5], 1), [0, 5], []);
    expect(() => fill([2], 0.5, { dtype: 'i32' })).toThrow(/i32 fill value must be an integer/);
  });
});
