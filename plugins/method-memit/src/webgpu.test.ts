/**
 * The ROME and MEMIT invariants and the statistics pass on the WebGPU backend (float32 throughout),
 * checked against float64 host computations of the same quantities; and the statistics matrix
 * compared with the CPU backend's. Skipped (with a note) when no WebGPU adapter is available.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseHparams, type Backend, type EditRequest } from '@crossedit/core';
import rome, { romeApply, type RomeHparams, type RomeStep } from '@crossedit/method-rome';
import { buildSecondMoments, openStats, readSafetensors, weightsHash } from '@crossedit/stats';
import { cpuBackend, sentences, tempDir, tinySetup, writeCorpus } from '@crossedit/stats/testing';
import memit, { memitApply, type MemitHparams, type MemitLayerStep } from './index.js';

let gpu: Backend | null = null;
let why = '';

beforeAll(async () => {
  try {
    const { createWebGpuBackend } = await import('@crossedit/webgpu');
    gpu = await createWebGpuBackend();
  } catch (e) {
    why = `no WebGPU backend here: ${(e as Error).message}`;
  }
});
afterAll(() => gpu?.dispose());

const REQS: EditRequest[] = [
  { id: 'a', prompt: 'The capital city of France', subject: 'France', target: 'Rome', lang: 'en' },
  { id: 'b', prompt: 'The capital city of Japan', subject: 'Japan', target: 'Berlin', lang: 'en' },
  { id: 'c', prompt: 'The capital city of Canada', subject: 'Canada', target: 'Madrid', lang: 'en' },
];

/** Solves (λC + KKᵀ) A = K densely in float64 (Gaussian elimination, partial pivoting); returns A (m × n). */
function denseA(c: ArrayLike<number>, keys: Float64Array, n: number, m: number, lambda: number): Float64Array {
  const a = new Float64Array(m * m);
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) {
    let kk = 0;
    for (let r = 0; r < n; r++) kk += keys[r * m + i] * keys[r * m + j];
    a[i * m + j] = lambda * c[i * m + j] + kk;
  }
  const x = new Float64Array(m * n);
  for (let r = 0; r < n; r++) for (let i = 0; i < m; i++) x[i * n + r] = keys[r * m + i];
  for (let col = 0; col < m; col++) {
    let p = col;
    for (let i = col + 1; i < m; i++) if (Math.abs(a[i * m + col]) > Math.abs(a[p * m + col])) p = i;
    for (let j = 0; j < m; j++) [a[col * m + j], a[p * m + j]] = [a[p * m + j], a[col * m + j]];
    for (let j = 0; j < n; j++) [x[col * n + j], x[p * n + j]] = [x[p * n + j], x[col * n + j]];
    for (let i = col + 1; i < m; i++) {
      const f = a[i * m + col] / a[col * m + col];
      for (let j = col; j < m; j++) a[i * m + j] -= f * a[col * m + j];
      for (let j = 0; j < n; j++) x[i * n + j] -= f * x[col * n + j];
    }
  }
  for (let i = m - 1; i >= 0; i--) for (let j = 0; j < n; j++) {
    let s = x[i * n + j];
    for (let k = i + 1; k < m; k++) s -= a[i * m + k] * x[k * n + j];
    x[i * n + j] = s / a[i * m + i];
  }
  return x;
}

describe('ROME, MEMIT and statistics on WebGPU', () => {
  it('ROME: (W + dW) k* = v* to 1e-4 relative; restore is bit-identical', async (t) => {
    if (!gpu) return t.skip(why);
    const setup = tinySetup({ seed: 3, backend: gpu });
    const hp = parseHparams<RomeHparams>('rome', rome.hparams, rome.presets?.(setup.ctx.backbone), { vNumGradSteps: 8 });
    const layer = hp.layers[0];
    const w0 = Float64Array.from(await setup.model.weight({ kind: 'mlp.down', layer }).data());
    const before = await weightsHash(setup.model);
    let step: RomeStep | null = null;
    const res = await romeApply(setup.ctx, [REQS[0]], hp, { onStep: (s) => (step = s) });
    const s = step!;
    const dw = await res.deltas[0].delta.data();
    const [d, m] = res.deltas[0].delta.shape;
    let err = 0;
    let scale = 0;
    for (let i = 0; i < d; i++) {
      let acc = 0;
      for (let j = 0; j < m; j++) acc += (w0[i * m + j] + dw[i * m + j]) * s.kStar[j];
      err = Math.max(err, Math.abs(acc - s.v.target[i]));
      scale = Math.max(scale, Math.abs(s.v.target[i]));
    }
    expect(err / scale).toBeLessThan(1e-4);
    expect(s.v.nllFinal).toBeLessThan(s.v.nllInitial);
    await res.restore();
    expect(await weightsHash(setup.model)).toBe(before);
  });

  it('statistics: C on WebGPU matches the CPU backend; MEMIT n = 1 and n = 3 solve (λC + KKᵀ) A = K', async (t) => {
    if (!gpu) return t.skip(why);
    const setup = tinySetup({ seed: 3, backend: gpu });
    const cpu = tinySetup({ seed: 3, backend: cpuBackend() });
    const dir = await tempDir('memit-gpu-');
    const corpus = await writeCorpus(dir, sentences(120, 11));
    const hp = parseHparams<MemitHparams>('memit', memit.hparams, memit.presets?.(setup.ctx.backbone), { vNumGradSteps: 6 });
    const opts = { layers: hp.layers, corpus, sampleCount: 120, batchTokens: 256 };
    const g = await buildSecondMoments({ ...opts, model: setup.model, tokenizer: setup.tokenizer, outDir: join(dir, 'gpu') });
    const c = await buildSecondMoments({ ...opts, model: cpu.model, tokenizer: cpu.tokenizer, outDir: join(dir, 'cpu') });
    expect(g.artifacts[0].weightsHash).toBe(c.artifacts[0].weightsHash); // same f32 weights on both backends
    expect(g.tokens).toBe(c.tokens);
    for (let i = 0; i < hp.layers.length; i++) {
      const a = (await readSafetensors(g.artifacts[i].path)).tensors.mom2.data;
      const b = (await readSafetensors(c.artifacts[i].path)).tensors.mom2.data;
      let err = 0;
      let scale = 0;
      for (let j = 0; j < a.length; j++) {
        err = Math.max(err, Math.abs(a[j] - b[j]));
        scale = Math.max(scale, Math.abs(b[j]));
      }
      expect(err / scale).toBeLessThan(1e-4);
    }
    const stats = openStats({ dir: join(dir, 'gpu'), weightsHash: g.artifacts[0].weightsHash, backend: gpu });
    setup.ctx.stats = stats;
    const m = setup.model.config.intermediateSize;
    const d = setup.model.config.hiddenSize;
    for (const n of [1, 3]) {
      const before = await weightsHash(setup.model);
      const steps: MemitLayerStep[] = [];
      const res = await memitApply(setup.ctx, REQS.slice(0, n), hp, { onLayer: (s) => steps.push(s) });
      for (const s of steps) {
        const cm = (await readSafetensors((await stats.info(s.layer)).path)).tensors.mom2.data;
        const a = denseA(cm, s.keys, n, m, hp.mom2UpdateWeight);
        let errA = 0;
        let scaleA = 0;
        for (let r = 0; r < n; r++) for (let i = 0; i < m; i++) {
          errA = Math.max(errA, Math.abs(s.at[r * m + i] - a[i * n + r]));
          scaleA = Math.max(scaleA, Math.abs(a[i * n + r]));
        }
        expect(errA / scaleA).toBeLessThan(1e-8); // host float64 on both sides
        const dw = await s.delta.delta.data();
        let errW = 0;
        let scaleW = 0;
        for (let o = 0; o < d; o++) for (let i = 0; i < m; i++) {
          let v = 0;
          for (let r = 0; r < n; r++) v += s.resid[r * d + o] * a[i * n + r];
          errW = Math.max(errW, Math.abs(dw[o * m + i] - v));
          scaleW = Math.max(scaleW, Math.abs(v));
        }
        expect(errW / scaleW).toBeLessThan(1e-5); // the f32 product on the GPU
      }
      await res.restore();
      expect(await weightsHash(setup.model)).toBe(before);
    }
  });
});
