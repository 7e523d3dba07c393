import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseHparams, Rng, type EditRequest } from '@crossedit/core';
import { buildSecondMoments, openStats, readSafetensors } from '@crossedit/stats';
import { sentences, tempDir, tinySetup, writeCorpus } from '@crossedit/stats/testing';
import rome, { captureAtLookup, contextRow, promptTemplate, romeApply, romeTemplates, sampleTopK, type RomeHparams, type RomeStep } from './index.js';

const REQ: EditRequest = { id: 'r0', prompt: 'The capital city of Italy', subject: 'Italy', target: 'Tokyo', lang: 'en' };

describe('rome building blocks', () => {
  it('top-k sampling gives the same text with and without the KV cache', async () => {
    const { model, tokenizer } = tinySetup({ seed: 8 });
    const a = await sampleTopK(model, tokenizer, 'Because', { count: 3, totalTokens: 9, topK: 5, rng: new Rng(42), useCache: true });
    const b = await sampleTopK(model, tokenizer, 'Because', { count: 3, totalTokens: 9, topK: 5, rng: new Rng(42), useCache: false });
    expect(a).toEqual(b);
    for (const t of a) {
      expect(t.startsWith('Because')).toBe(true);
      expect(tokenizer.encode(t, { addBos: true }).ids.length).toBe(9);
    }
    const greedy = await sampleTopK(model, tokenizer, 'You', { count: 2, totalTokens: 6, topK: 1, rng: new Rng(1) });
    expect(greedy[0]).toBe(greedy[1]);
  });

  it('with mom2Adjustment, u ∝ C⁻¹k̄ and the edited MLP output at the subject is v*', async () => {
    const setup = tinySetup({ seed: 5 });
    const hp = parseHparams<RomeHparams>('rome', rome.hparams, rome.presets?.(setup.ctx.backbone), { mom2Adjustment: true, vNumGradSteps: 10 });
    const layer = hp.layers[0];
    await expect(romeApply(setup.ctx, [REQ], hp)).rejects.toThrow(/mom2Adjustment needs second-moment statistics/);
    const dir = await tempDir('rome-stats-');
    const corpus = await writeCorpus(dir, sentences(150, 2));
    const built = await buildSecondMoments({ model: setup.model, tokenizer: setup.tokenizer, layers: [layer], corpus, sampleCount: 150, outDir: dir });
    setup.ctx.stats = openStats({ dir, weightsHash: built.artifacts[0].weightsHash });
    const c = (await readSafetensors(built.artifacts[0].path)).tensors.mom2.data;
    let step: RomeStep | null = null;
    const res = await romeApply(setup.ctx, [REQ], hp, { onStep: (s) => (step = s) });
    const s = step!;
    const m = s.u.length;
    // C u is parallel to k̄
    const cu = new Float64Array(m);
    for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) cu[i] += c[i * m + j] * s.u[j];
    const nc = Math.hypot(...cu);
    const nk = Math.hypot(...s.kMean);
    for (let i = 0; i < m; i++) expect(cu[i] / nc).toBeCloseTo(s.kMean[i] / nk, 6);
    // the edited layer now maps k* to v* in a forward pass
    const row = contextRow(setup.tokenizer, '{}', promptTemplate(REQ), REQ.subject);
    const [out] = await captureAtLookup(setup.model, setup.tokenizer, [row], [{ ref: { kind: 'mlp', layer }, io: 'output' }]);
    const err = Math.max(...out.map((v, i) => Math.abs(v - s.v.target[i])));
    expect(err / Math.max(...s.v.target.map(Math.abs))).toBeLessThan(1e-6);
    await res.restore();
  });

  it('ROME with n requests applies them in order and restores all of them', async () => {
    const setup = tinySetup({ seed: 9 });
    const hp = parseHparams<RomeHparams>('rome', rome.hparams, rome.presets?.(setup.ctx.backbone), { vNumGradSteps: 3, contextTemplateLengths: [[5, 5]] });
    expect(await romeTemplates(setup.ctx, hp)).toHaveLength(6);
    const w0 = Float64Array.from(await setup.model.weight({ kind: 'mlp.down', layer: hp.layers[0] }).data());
    const res = await romeApply(setup.ctx, [REQ, { ...REQ, id: 'r1', subject: 'city', target: 'London' }], hp);
    expect(res.deltas).toHaveLength(2);
    const w1 = await setup.model.weight({ kind: 'mlp.down', layer: hp.layers[0] }).data();
    const d0 = await res.deltas[0].delta.data();
    const d1 = await res.deltas[1].delta.data();
    for (let i = 0; i < w0.length; i += 97) expect(w1[i]).toBeCloseTo(w0[i] + d0[i] + d1[i], 6);
    await res.restore();
    expect(Array.from(await setup.model.weight({ kind: 'mlp.down', layer: hp.layers[0] }).data())).toEqual(Array.from(w0));
    expect(res.deltas[0].delta.isDisposed).toBe(true);
  });
});
