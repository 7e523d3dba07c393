/** Which matmul kernel runs, and that the copies it makes are released. */
import { matmul, tensor, tidy } from '@crossedit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebGpuBackend, matmulGeometry, planMatMul, type WebGpuBackend } from './index.js';

let gpu: WebGpuBackend;
let generic: WebGpuBackend;
beforeAll(async () => {
  gpu = await createWebGpuBackend();
  generic = await createWebGpuBackend({ matmul: 'generic' });
});
afterAll(() => {
  gpu?.dispose();
  generic?.dispose();
});

describe('matmul plan', () => {
  it('reads x @ Wᵀ in place, packs other layouts, keeps small products on the tiled kernel', () => {
    expect(gpu.caps.subgroups, 'lavapipe and GPUs with subgroups take the dot4 path').toBe(true);
    const plan = (a: number[], b: number[], tA: boolean, tB: boolean) => planMatMul(gpu, matmulGeometry(a, b, tA, tB));
    expect(plan([16, 4096], [4096, 4096], false, true)).toEqual({ kernel: 'dot4', packA: false, packB: false });
    expect(plan([256, 512], [512, 256], false, false)).toEqual({ kernel: 'dot4', packA: false, packB: true });
    expect(plan([512, 256], [512, 256], true, true)).toEqual({ kernel: 'dot4', packA: true, packB: false });
    expect(plan([128, 129], [128, 129], false, true)).toEqual({ kernel: 'dot4', packA: true, packB: true });
    expect(plan([8, 8], [8, 8], false, false).kernel).toBe('tiled');
    expect(planMatMul(generic, matmulGeometry([256, 512], [256, 512], false, true)).kernel).toBe('tiled');
  });

  it('the packed copies are freed (storages back to baseline) and the result matches the tiled kernel', async () => {
    const n = 160;
    const data = Float32Array.from({ length: n * n }, (_, i) => Math.sin(i * 0.37));
    const run = async (be: WebGpuBackend) => {
      const a = tensor(data, [n, n], { backend: be });
      const b = tensor(data, [n, n], { backend: be });
      await be.sync();
      const base = be.memory().storages;
      const y = tidy(() => matmul(a, b, { transA: true }));
      const out = await y.data();
      y.dispose();
      await be.sync();
      expect(be.memory().storages).toBe(base);
      a.dispose();
      b.dispose();
      return out;
    };
    const fast = await run(gpu);
    const slow = await run(generic);
    let worst = 0;
    for (let i = 0; i < fast.length; i++) worst = Math.max(worst, Math.abs(fast[i] - slow[i]));
    expect(worst).toBeLessThan(1e-4);
  });
});
