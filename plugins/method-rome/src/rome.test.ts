import { describe, expect, it } from 'vitest';
import { argmax, HparamError, parseHparams, tensor, tidy, Rng, type EditRequest } from '@crossedit/core';
import { weightsHash } from '@crossedit/stats';
import { tinySetup } from '@crossedit/stats/testing';
import rome, { romeApply, romeTemplates, type RomeHparams, type RomeStep } from './index.js';
import { rewriteRow, promptTemplate, targetIds } from '@crossedit/locate-edit';

// On a random tiny model attention carries little from the subject to later positions, so the edit
// prompt ends with the subject (the target is predicted right at the edited token).
const REQ: EditRequest = { id: 'r0', prompt: 'The capital city of France', subject: 'France', target: 'Rome', lang: 'en' };

function hparams(ctx: ReturnType<typeof tinySetup>['ctx'], over: Partial<RomeHparams> = {}): RomeHparams {
  return parseHparams<RomeHparams>('rome', rome.hparams, rome.presets?.(ctx.backbone), over);
}

/** Teacher-forced token accuracy of `target` after `prompt` (argmax at each target position). */
async function teacherForced(setup: ReturnType<typeof tinySetup>, prompt: string, target: string): Promise<number> {
  const { model, tokenizer } = setup;
  const tgt = targetIds(tokenizer, prompt, target, false);
  const row = rewriteRow(tokenizer, '{}', '{}', prompt, tgt);
  const pred = tidy(() => {
    const { logits } = model.forward(tensor(Int32Array.from(row.ids), [1, row.ids.length], { dtype: 'i32' }));
    return argmax(logits!, -1);
  });
  const p = await pred.data();
  pred.dispose();
  const hits = row.labels.filter(([pos, id]) => p[pos] === id).length;
  return hits / row.labels.length;
}

describe('rome', () => {
  it('presets scale the layer with depth and hparams reject unknown keys', () => {
    const { ctx } = tinySetup();
    expect(rome.presets?.({ id: 'x', config: { ...ctx.backbone.config, numLayers: 32 } })).toEqual({ layers: [5] });
    expect(rome.presets?.({ id: 'x', config: { ...ctx.backbone.config, numLayers: 40 } })).toEqual({ layers: [6] });
    expect(hparams(ctx).layers).toEqual([1]);
    expect(() => parseHparams('rome', rome.hparams, { vLR: 1 })).toThrow(HparamError);
    expect(() => parseHparams('rome', rome.hparams, { klPrompt: 'no braces' })).toThrow(/exactly once/);
  });

  it('inserts v* exactly: (W + dW) k* = v*, teacher-forced accuracy 1.0, restore is bit-identical', async () => {
    const setup = tinySetup({ seed: 3 });
    const { ctx, model } = setup;
    const hp = hparams(ctx);
    const before = await weightsHash(model);
    const accBefore = await teacherForced(setup, REQ.prompt, REQ.target);
    const layer = hp.layers[0];
    const w0 = Float64Array.from(await model.weight({ kind: 'mlp.down', layer }).data());
    let step: RomeStep | null = null;
    const res = await romeApply(ctx, [REQ], hp, { onStep: (s) => (step = s) });
    const s = step!;
    expect(res.deltas).toHaveLength(1);
    expect(res.diagnostics.templates).toBe(21);
    for (const k of ['templatesMs', 'uMs', 'vMs', 'insertMs']) expect(res.diagnostics[k]).toBeGreaterThanOrEqual(0);
    expect(s.v.steps).toBeGreaterThan(0);
    expect(s.v.steps).toBeLessThanOrEqual(hp.vNumGradSteps - 1);
    // the rank-one insert, checked in float64 from W0, dW and k*
    const dw = await res.deltas[0].delta.data();
    const [d, m] = res.deltas[0].delta.shape;
    let errMax = 0;
    let vMax = 0;
    for (let i = 0; i < d; i++) {
      let acc = 0;
      for (let j = 0; j < m; j++) acc += (w0[i * m + j] + dw[i * m + j]) * s.kStar[j];
      errMax = Math.max(errMax, Math.abs(acc - s.v.target[i]));
      vMax = Math.max(vMax, Math.abs(s.v.target[i]));
    }
    expect(errMax / vMax).toBeLessThan(1e-4);
    // u is a unit vector along the averaged key
    expect(Math.hypot(...s.u)).toBeCloseTo(1, 10);
    // the δ stays inside the clamp ball
    expect(Math.hypot(...s.v.delta)).toBeLessThanOrEqual(hp.clampNormFactor * Math.hypot(...s.v.v0) * (1 + 1e-9));
    // the edited model says the new target
    expect(accBefore).toBeLessThan(1);
    expect(await teacherForced(setup, REQ.prompt, REQ.target)).toBe(1);
    await res.restore();
    expect(await weightsHash(model)).toBe(before);
    expect(await teacherForced(setup, REQ.prompt, REQ.target)).toBe(accBefore);
  });

  it('rejects a subject that is not in the prompt and out-of-range layers, leaving the model unchanged', async () => {
    const { ctx, model } = tinySetup({ seed: 4 });
    const before = await weightsHash(model);
    await expect(romeApply(ctx, [{ ...REQ, subject: 'Germany' }], hparams(ctx))).rejects.toThrow(/does not occur in the prompt/);
    await expect(romeApply(ctx, [REQ], hparams(ctx, { layers: [9] }))).rejects.toThrow(/layers/);
    expect(await weightsHash(model)).toBe(before);
  });

  it('paper-era targets keep BOS; the default takes the tokens that follow the prompt', () => {
    const { tokenizer } = tinySetup();
    const head = targetIds(tokenizer, REQ.prompt, 'Rome', false);
    const paper = targetIds(tokenizer, REQ.prompt, 'Rome', true);
    expect(paper[0]).toBe(tokenizer.special.bos);
    expect(paper.slice(1)).toEqual(head);
    expect(tokenizer.decode(head)).toBe('Rome');
    expect(promptTemplate(REQ)).toBe('The capital city of {}');
    // labels: the last prompt token predicts the first target token
    const row = rewriteRow(tokenizer, 'The red city. {}', promptTemplate(REQ), REQ.subject, [...head, head[0]]);
    expect(row.labels[0][0]).toBe(row.ids.length - 2);
    expect(row.ids[row.lookup]).toBe(tokenizer.encode('France', { addBos: false }).ids[0]);
  });

  it('templates are generated once per model and cached on disk', async () => {
    const { mkdtemp, readdir } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = await mkdtemp(join(tmpdir(), 'rome-tpl-'));
    const a = tinySetup({ seed: 5, cacheDir: dir });
    const hp = hparams(a.ctx);
    const t1 = await romeTemplates(a.ctx, hp);
    expect(t1).toHaveLength(21);
    expect(t1[0]).toBe('{}');
    for (const t of t1) expect(t.split('{}')).toHaveLength(2);
    a.ctx.rng = new Rng(7);
    expect(await romeTemplates(a.ctx, hp)).toEqual(t1);
    expect(a.ctx.rng.nextU32()).toBe(new Rng(7).nextU32()); // no sampling the second time
    expect(await readdir(join(dir, 'context-templates'))).toHaveLength(1);
    // a fresh model object with the same weights reads the disk cache instead of sampling
    const b = tinySetup({ seed: 5, cacheDir: dir });
    b.ctx.rng = new Rng(999);
    expect(await romeTemplates(b.ctx, hp)).toEqual(t1);
  });
});
