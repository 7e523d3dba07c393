/** Scoped computations release every buffer; the pool reuses them; counters add up. */
import { add, grads, matmul, memory, rmsNorm, setBackend, softmax, sum, tensor, tidy, tidyAsync, type Tensor } from '@crossedit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebGpuBackend, type WebGpuBackend } from './index.js';
import { sizeClass } from './buffer-pool.js';

let gpu: WebGpuBackend;
beforeAll(async () => {
  gpu = await createWebGpuBackend();
  setBackend(gpu);
});
afterAll(() => gpu?.dispose());

function work(x: Tensor, w: Tensor): Tensor {
  const h = rmsNorm(matmul(x, w, { transB: true }), tensor(new Float32Array(24).fill(1), [24]), 1e-5);
  return sum(softmax(add(h, 1)));
}

describe('memory', () => {
  it('tidy() returns the backend to its baseline (storages and bytes), forward and backward', async () => {
    const x = tensor(Float32Array.from({ length: 5 * 16 }, (_, i) => Math.sin(i)), [5, 16]);
    const w = tensor(Float32Array.from({ length: 24 * 16 }, (_, i) => Math.cos(i)), [24, 16]);
    await gpu.sync();
    const base = gpu.memory();
    const baseEngine = memory();
    const y = tidy(() => work(x, w));
    expect(gpu.memory().storages).toBe(base.storages + 1);
    expect(await y.item()).toBeCloseTo(5, 4);
    y.dispose();
    const [gw] = tidy(() => grads(() => work(x, w), [w]));
    expect(gpu.memory().storages).toBe(base.storages + 1);
    gw.dispose();
    await tidyAsync(async () => {
      const z = work(x, w);
      await z.data();
    });
    await gpu.sync();
    const after = gpu.memory();
    expect(after.storages).toBe(base.storages);
    expect(after.bytesInUse).toBe(base.bytesInUse);
    expect(memory().tensors).toBe(baseEngine.tensors);
    // released buffers went to the pool, not to the driver
    expect(after.bytesPooled).toBeGreaterThan(0);
    x.dispose();
    w.dispose();
  });

  it('the pool reuses released buffers (no new buffers for a repeated computation)', async () => {
    const x = tensor(new Float32Array(1000).fill(1), [10, 100]);
    const run = () => tidy(() => sum(add(x, x)));
    const a = run();
    await a.data();
    a.dispose();
    const created = gpu.poolStats().buffersCreated;
    const dispatches = gpu.counters.dispatches;
    const b = run();
    await b.data();
    b.dispose();
    expect(gpu.counters.dispatches).toBeGreaterThan(dispatches);
    expect(gpu.poolStats().buffersCreated).toBe(created);
    x.dispose();
  });

  it('trim() hands pooled buffers back', async () => {
    const t = tensor(new Float32Array(4096), [4096]);
    t.dispose();
    expect(gpu.memory().bytesPooled).toBeGreaterThan(0);
    gpu.trim();
    expect(gpu.memory().bytesPooled).toBe(0);
  });

  it('sizeClass rounds up by at most 1/8 above 4 KiB and never below the request', () => {
    for (const n of [0, 1, 16, 17, 100, 4096, 4097, 5000, 1e6, 123456789]) {
      const c = sizeClass(n);
      expect(c).toBeGreaterThanOrEqual(Math.max(16, n));
      expect(c % 16).toBe(0);
      if (n > 4096) expect(c).toBeLessThanOrEqual(n * 1.125 + 16);
    }
    expect(() => sizeClass(-1)).toThrow(RangeError);
  });
});
