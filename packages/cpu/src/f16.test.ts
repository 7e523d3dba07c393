/** f16 tensors on the CPU backends: held widened (values rounded to half precision), dtype tracked. */
import { cast, matmul, roundToF16, tensor, toF16Bits } from '@crossedit/core';
import { describe, expect, it } from 'vitest';
import { createCpuBackend, createCpuF32Backend } from './index.js';

describe.each([
  ['cpu (float64 reference)', createCpuBackend],
  ['cpu-f32', createCpuF32Backend],
] as const)('f16 on %s', (_name, make) => {
  it('rounds uploaded values to half precision, decodes bits, and keeps the dtype', async () => {
    const be = make();
    expect(be.f16).toBe('widened');
    const v = [0.1, 1 / 3, 70000, -2049, 3e-6];
    const t = tensor(v, [5], { backend: be, dtype: 'f16' });
    expect(t.dtype).toBe('f16');
    const back = Array.from(await t.data());
    expect(back).toEqual(v.map(roundToF16));
    expect(back[2]).toBe(Infinity);
    const b = tensor(toF16Bits(v), [5], { backend: be, dtype: 'f16' });
    expect(Array.from(await b.data())).toEqual(back);
    be.dispose();
  });

  it('casts f32 -> f16 by rounding and computes matmul on the widened values', async () => {
    const be = make();
    const x = tensor([1 + 2 ** -11, 1 + 3 * 2 ** -11, 0.2], [3], { backend: be });
    const h = cast(x, 'f16');
    expect(h.dtype).toBe('f16');
    expect(Array.from(await h.data())).toEqual([1, 1 + 4 * 2 ** -11, roundToF16(0.2)]);
    const w = tensor([0.1, 0.2, 0.3, 0.4], [2, 2], { backend: be, dtype: 'f16' });
    const a = tensor([1, 1], [1, 2], { backend: be });
    const y = await matmul(a, w).data();
    expect(y[0]).toBeCloseTo(roundToF16(0.1) + roundToF16(0.3), 6);
    expect(y[0]).not.toBe(0.1 + 0.3);
    be.dispose();
  });
});
