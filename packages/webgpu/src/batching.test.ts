/** Dispatches are batched into few submits; reads flush; big sizes get past the per-dimension workgroup limit. */
import { add, exp, fill, setBackend, sum, tensor, tidy } from '@crossedit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebGpuBackend, type WebGpuBackend } from './index.js';

let gpu: WebGpuBackend;
beforeAll(async () => {
  gpu = await createWebGpuBackend({ batchLimit: 64 });
  setBackend(gpu);
});
afterAll(() => gpu?.dispose());

describe('batched dispatch', () => {
  it('encodes many kernels per submit and submits at the batch limit or on read', async () => {
    await gpu.sync();
    const s0 = gpu.counters.submits;
    const d0 = gpu.counters.dispatches;
    const y = tidy(() => {
      let x = tensor([1, 2, 3, 4], [4]);
      for (let i = 0; i < 150; i++) x = add(x, 1);
      return x;
    });
    const dispatches = gpu.counters.dispatches - d0;
    expect(dispatches).toBeGreaterThanOrEqual(150);
    // 150 dispatches at 64 per batch: two full batches submitted, the rest waits for the read
    expect(gpu.counters.submits - s0).toBe(Math.floor(dispatches / 64));
    expect(Array.from(await y.data())).toEqual([151, 152, 153, 154]);
    expect(gpu.counters.submits - s0).toBe(Math.floor(dispatches / 64) + 1);
    y.dispose();
  });

  it('concurrent reads of pending results all resolve correctly', async () => {
    const xs = [1, 2, 3].map((v) => add(tensor([v, v], [2]), 10));
    const vals = await Promise.all(xs.map((x) => x.data()));
    expect(vals.map((v) => Array.from(v))).toEqual([[11, 11], [12, 12], [13, 13]]);
    xs.forEach((x) => x.dispose());
  });

  it('an upload into a recycled buffer does not overtake kernels still in the batch', async () => {
    const a = tensor([1, 2, 3, 4], [4]);
    const b = add(a, 100); // encoded, not yet submitted, reads a
    a.dispose(); // a's buffer is released while b's dispatch is pending
    const c = tensor([7, 7, 7, 7], [4]); // same size class: must not reuse a's buffer before submit
    expect(Array.from(await b.data())).toEqual([101, 102, 103, 104]);
    expect(Array.from(await c.data())).toEqual([7, 7, 7, 7]);
    b.dispose();
    c.dispose();
  });

  it('elementwise kernels beyond 65535 workgroups use a 2-D grid', async () => {
    const n = 65535 * 256 + 1000; // one more workgroup row than fits in x
    const y = tidy(() => sum(exp(fill([n], 0))));
    expect(await y.item()).toBeCloseTo(n, -2);
    y.dispose();
  }, 60_000);
});
