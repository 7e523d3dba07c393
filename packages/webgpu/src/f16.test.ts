/** f16 weight storage on WebGPU: half-precision buffers, bits in and out, f32 accumulation, refusals. */
import { add, cast, f32ToF16, fill, gather, grads, matmul, roundToF16, sum, tensor, tidy } from '@crossedit/core';
import { createCpuBackend } from '@crossedit/cpu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebGpuBackend, type WebGpuBackend } from './index.js';

let gpu: WebGpuBackend;
beforeAll(async () => {
  gpu = await createWebGpuBackend();
});
afterAll(() => gpu?.dispose());

const wave = (n: number, f = 0.37, s = 1) => Float32Array.from({ length: n }, (_, i) => s * Math.sin(i * f + 0.1));

describe('f16 storage on webgpu', () => {
  it('the device has shader-f16 (lavapipe and most GPUs) and says so', () => {
    expect(gpu.caps.f16).toBe(true);
    expect(gpu.f16).toBe('native');
  });

  it('stores two bytes per element (odd counts padded to a word) and reads back the rounded values', async () => {
    const v = wave(77, 0.9, 3000);
    await gpu.sync();
    const base = gpu.memory().bytesInUse;
    const t = tensor(v, [7, 11], { backend: gpu, dtype: 'f16' });
    expect(t.dtype).toBe('f16');
    expect(gpu.memory().bytesInUse - base).toBe(156);
    const back = await t.data();
    expect(Array.from(back)).toEqual(Array.from(v, roundToF16));
    expect(Array.from(back)).not.toEqual(Array.from(v));
    t.dispose();
  });

  it('takes Uint16Array bits as they are (NaN, infinities, subnormals and -0 survive)', async () => {
    const bits = Uint16Array.from([0x7e00, 0x7c00, 0xfc00, 0x0001, 0x8000, 0x3c00, 0x7bff]);
    const t = tensor(bits, [7], { backend: gpu, dtype: 'f16' });
    const back = await t.data();
    expect(Array.from(back, (x) => f32ToF16(x))).toEqual(Array.from(bits));
    expect(Object.is(back[4], -0)).toBe(true);
    t.dispose();
  });

  it('matmul with f16 weights equals f32 matmul on the rounded weights, not on the unrounded ones', async () => {
    const x = wave(16 * 96, 0.11);
    const w = wave(96 * 80, 0.013, 0.7);
    const w16 = Float32Array.from(w, roundToF16);
    const run = async (wData: Float32Array, dtype: 'f32' | 'f16') => {
      const xs = tensor(x, [16, 96], { backend: gpu });
      const ws = tensor(wData, [80, 96], { backend: gpu, dtype });
      const y = matmul(xs, ws, { transB: true });
      expect(y.dtype).toBe('f32');
      const d = await y.data();
      for (const t of [xs, ws, y]) t.dispose();
      return d;
    };
    const half = await run(w, 'f16');
    const rounded = await run(w16, 'f32');
    const full = await run(w, 'f32');
    let dRounded = 0;
    let dFull = 0;
    for (let i = 0; i < half.length; i++) {
      dRounded = Math.max(dRounded, Math.abs(half[i] - rounded[i]));
      dFull = Math.max(dFull, Math.abs(half[i] - full[i]));
    }
    expect(dRounded).toBeLessThan(1e-5);
    expect(dFull).toBeGreaterThan(1e-4);
  });

  it('gradients flow through an f16 weight to the activations (the weight itself gets none)', async () => {
    const cpu = createCpuBackend();
    const out = [];
    for (const be of [gpu, cpu]) {
      const w = tensor(wave(12 * 8, 0.3), [12, 8], { backend: be, dtype: 'f16' });
      const x = tensor(wave(3 * 8, 0.7), [3, 8], { backend: be });
      const [gx] = grads(() => sum(matmul(x, w, { transB: true })), [x]);
      out.push(await gx.data());
      for (const t of [w, x, gx]) t.dispose();
    }
    for (let i = 0; i < out[1].length; i++) expect(out[0][i]).toBeCloseTo(out[1][i], 5);
    cpu.dispose();
  });

  it('embedding rows of an f16 table come out f32; cast round-trips through f16', async () => {
    const table = tensor(wave(5 * 6, 1.3), [5, 6], { backend: gpu, dtype: 'f16' });
    const ids = tensor([4, 0, 4], [3], { backend: gpu, dtype: 'i32' });
    const rows = gather(table, ids);
    expect(rows.dtype).toBe('f32');
    const tv = await table.data();
    expect(Array.from((await rows.data()).subarray(0, 6))).toEqual(Array.from(tv.subarray(24, 30)));
    const back = tidy(() => cast(cast(table, 'f32'), 'f16'));
    expect(Array.from(await back.data())).toEqual(Array.from(tv));
    for (const t of [table, ids, rows, back]) t.dispose();
  });

  it('refuses f16 inputs to kernels that do not read weights, and f16 fills, naming the kernel', () => {
    const a = tensor([1, 2], [2], { backend: gpu, dtype: 'f16' });
    expect(() => add(a, a)).toThrow(/Binary: input f16\[2\].*is f16.*cast to f32 first/);
    expect(() => fill([2], 1, { backend: gpu, dtype: 'f16' })).toThrow(/Fill: f16 is a storage dtype/);
    a.dispose();
  });
});
