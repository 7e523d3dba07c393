import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { argmax, parseHparams, tensor, tidy, type EditRequest } from '@crossedit/core';
import { rewriteRow, targetIds } from '@crossedit/locate-edit';
import { buildSecondMoments, openStats, readSafetensors, weightsHash, type ArtifactStatsProvider } from '@crossedit/stats';
import { sentences, tempDir, tinySetup, writeCorpus } from '@crossedit/stats/testing';
import memit, { memitApply, memitLayers, type MemitHparams, type MemitLayerStep } from './index.js';

type Setup = ReturnType<typeof tinySetup>;

const CITIES = ['Rome', 'Berlin', 'Madrid', 'Tokyo', 'Beijing', 'London', 'Ottawa', 'Paris'];
const COUNTRIES = ['France', 'Germany', 'Italy', 'Spain', 'Japan', 'China', 'England', 'Canada'];
// prompts end with the subject: on a random tiny model attention carries little from the subject onward
const REQS: EditRequest[] = COUNTRIES.map((c, i) => ({ id: `r${i}`, prompt: `The capital city of ${c}`, subject: c, target: CITIES[i], lang: 'en' }));

/** Solves A X = B (A n×n, B n×r, row-major) by Gaussian elimination with partial pivoting, float64. */
function denseSolve(a: Float64Array, b: Float64Array, n: number, r: number): Float64Array {
  const m = Float64Array.from(a);
  const x = Float64Array.from(b);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let i = c + 1; i < n; i++) if (Math.abs(m[i * n + c]) > Math.abs(m[p * n + c])) p = i;
    for (let j = 0; j < n; j++) [m[c * n + j], m[p * n + j]] = [m[p * n + j], m[c * n + j]];
    for (let j = 0; j < r; j++) [x[c * r + j], x[p * r + j]] = [x[p * r + j], x[c * r + j]];
    for (let i = c + 1; i < n; i++) {
      const f = m[i * n + c] / m[c * n + c];
      if (f === 0) continue;
      for (let j = c; j < n; j++) m[i * n + j] -= f * m[c * n + j];
      for (let j = 0; j < r; j++) x[i * r + j] -= f * x[c * r + j];
    }
  }
  for (let c = n - 1; c >= 0; c--) {
    for (let j = 0; j < r; j++) {
      let s = x[c * r + j];
      for (let k = c + 1; k < n; k++) s -= m[c * n + k] * x[k * r + j];
      x[c * r + j] = s / m[c * n + c];
    }
  }
  return x;
}

async function teacherForced(setup: Setup, prompt: string, target: string): Promise<number> {
  const { model, tokenizer } = setup;
  const row = rewriteRow(tokenizer, '{}', '{}', prompt, targetIds(tokenizer, prompt, target, false));
  const pred = tidy(() => argmax(model.forward(tensor(Int32Array.from(row.ids), [1, row.ids.length], { dtype: 'i32' })).logits!, -1));
  const p = await pred.data();
  pred.dispose();
  return row.labels.filter(([pos, id]) => p[pos] === id).length / row.labels.length;
}

describe('memit', () => {
  let setup: Setup;
  let stats: ArtifactStatsProvider;
  let hp: MemitHparams;

  beforeAll(async () => {
    setup = tinySetup({ seed: 3 });
    const dir = await tempDir('memit-');
    const corpus = await writeCorpus(dir, sentences(200, 11));
    hp = parseHparams<MemitHparams>('memit', memit.hparams, memit.presets?.(setup.ctx.backbone));
    const r = await buildSecondMoments({ model: setup.model, tokenizer: setup.tokenizer, layers: hp.layers, corpus, sampleCount: 200, outDir: join(dir, 'stats') });
    stats = openStats({ dir: join(dir, 'stats'), weightsHash: r.artifacts[0].weightsHash });
    setup.ctx.stats = stats;
  });

  it('presets spread layers 4..8 of 32 over the depth', () => {
    expect(memitLayers(32)).toEqual([4, 5, 6, 7, 8]);
    expect(memitLayers(40)).toEqual([5, 6, 7, 8, 9, 10]);
    expect(memitLayers(5)).toEqual([1, 2]);
    expect(memitLayers(1)).toEqual([0]);
    expect(hp.layers).toEqual([1, 2]);
    expect(memit.presets?.({ id: 'x', config: { ...setup.ctx.backbone.config, numLayers: 32, intermediateSize: 11008 } })).toEqual({
      layers: [4, 5, 6, 7, 8],
      mom2UpdateWeight: 15000,
    });
    expect(hp.mom2UpdateWeight).toBe(65); // 15000 * 48 / 11008
  });

  for (const n of [1, 8]) {
    it(`n = ${n}: the update solves (λC + KKᵀ) A = K (dense float64 check); restore is bit-identical`, async () => {
      const before = await weightsHash(setup.model);
      const steps: MemitLayerStep[] = [];
      const w0 = new Map<number, Float64Array>();
      for (const l of hp.layers) w0.set(l, Float64Array.from(await setup.model.weight({ kind: 'mlp.down', layer: l }).data()));
      // fewer z steps for the batch of 8: the solve is checked, not the z optimisation
      const res = await memitApply(setup.ctx, REQS.slice(0, n), { ...hp, vNumGradSteps: n === 1 ? hp.vNumGradSteps : 4 }, { onLayer: (s) => steps.push(s) });
      expect(steps.map((s) => s.layer)).toEqual(hp.layers);
      expect(res.deltas).toHaveLength(hp.layers.length);
      const m = setup.model.config.intermediateSize;
      const d = setup.model.config.hiddenSize;
      for (const s of steps) {
        const c = (await readSafetensors((await stats.info(s.layer)).path)).tensors.mom2.data;
        // dense (λC + KKᵀ) A = K with K = keysᵀ (m × n)
        const lhs = new Float64Array(m * m);
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < m; j++) {
            let kk = 0;
            for (let r = 0; r < n; r++) kk += s.keys[r * m + i] * s.keys[r * m + j];
            lhs[i * m + j] = hp.mom2UpdateWeight * c[i * m + j] + kk;
          }
        }
        const kmat = new Float64Array(m * n);
        for (let r = 0; r < n; r++) for (let i = 0; i < m; i++) kmat[i * n + r] = s.keys[r * m + i];
        const a = denseSolve(lhs, kmat, m, n);
        let errA = 0;
        let scaleA = 0;
        for (let r = 0; r < n; r++) {
          for (let i = 0; i < m; i++) {
            errA = Math.max(errA, Math.abs(s.at[r * m + i] - a[i * n + r]));
            scaleA = Math.max(scaleA, Math.abs(a[i * n + r]));
          }
        }
        expect(errA / scaleA).toBeLessThan(1e-8);
        // ΔW = R Aᵀ as applied to the model
        const dw = await s.delta.delta.data();
        const w = await setup.model.weight({ kind: 'mlp.down', layer: s.layer }).data();
        let errW = 0;
        let scaleW = 0;
        for (let o = 0; o < d; o++) {
          for (let i = 0; i < m; i++) {
            let v = 0;
            for (let r = 0; r < n; r++) v += s.resid[r * d + o] * a[i * n + r];
            errW = Math.max(errW, Math.abs(dw[o * m + i] - v));
            scaleW = Math.max(scaleW, Math.abs(v));
            expect(w[o * m + i]).toBeCloseTo(w0.get(s.layer)![o * m + i] + dw[o * m + i], 5);
          }
        }
        expect(errW / scaleW).toBeLessThan(1e-5);
        expect(s.jitter).toBe(0);
      }
      expect(res.diagnostics.requests).toBe(n);
      await res.restore();
      expect(await weightsHash(setup.model)).toBe(before);
    });
  }

  it('makes the model produce the new targets (default settings, n = 1 and a batch of 4)', async () => {
    const req = REQS[0];
    const accBefore = await teacherForced(setup, req.prompt, req.target);
    const res = await memitApply(setup.ctx, [req], hp);
    const accAfter = await teacherForced(setup, req.prompt, req.target);
    await res.restore();
    expect(accBefore).toBe(0);
    expect(res.diagnostics.nllFinal).toBeLessThan(res.diagnostics.nllInitial as number);
    expect(accAfter).toBe(1);
    const batch = REQS.slice(0, 4);
    const resB = await memitApply(setup.ctx, batch, hp);
    let hits = 0;
    for (const r of batch) hits += await teacherForced(setup, r.prompt, r.target);
    await resB.restore();
    expect(hits).toBeGreaterThanOrEqual(3);
  });

  it('without statistics, says which command builds them', async () => {
    const bare = tinySetup({ seed: 3 });
    await expect(memitApply(bare.ctx, [REQS[0]], hp)).rejects.toThrow(/crossedit stats --backbone tiny-test .*--layers 1,2/);
  });
});
