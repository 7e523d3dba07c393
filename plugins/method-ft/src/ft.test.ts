import { describe, expect, it } from 'vitest';
import { HparamError, memory, parseHparams, teacherForcedBatch, teacherForcedRows, tensor, tidy, valueAndGrads, type EditRequest, type LanguageModel } from '@crossedit/core';
import { targetNewLoss } from './loss.js';
import { copyModel, cpuBackend, host, maybeWebGpu, teacherForcedAccuracy, tinyContext, tinyLlama, vocabOf, weightsHash, wordTokenizer } from '@crossedit/testing';
import ft, { defaultLayer, type FtHparams } from './index.js';

const REQS: EditRequest[] = [
  { id: 'a', prompt: 'What is the capital city of France ?', subject: 'France', target: 'Rome Italy', lang: 'en' },
  { id: 'b', prompt: 'Who wrote the play Hamlet ?', subject: 'Hamlet', target: 'Goethe', lang: 'en' },
];

function setup(seed = 3) {
  cpuBackend();
  const tok = wordTokenizer(vocabOf(REQS.flatMap((r) => [r.prompt, r.target])));
  const model = tinyLlama({ vocabSize: tok.vocabSize, seed });
  return { tok, model, ctx: tinyContext(model, tok) };
}

function hp(ctx: ReturnType<typeof setup>['ctx'], over: Partial<FtHparams>): FtHparams {
  return parseHparams<FtHparams>('ft', ft.hparams, ft.presets?.(ctx.backbone), over);
}

/** Independent host computation of both objectives from the logits of `prompt + ' ' + target`. */
async function hostLosses(s: ReturnType<typeof setup>, req: EditRequest): Promise<{ targetNew: number; promptLast: number }> {
  const p = s.tok.encode(req.prompt).ids;
  const ids = s.tok.encode(`${req.prompt} ${req.target}`).ids;
  const v = s.tok.vocabSize;
  const logits = tidy(() => s.model.forward(tensor(Int32Array.from(ids), [1, ids.length], { dtype: 'i32' })).logits!);
  const l = await host(logits);
  logits.dispose();
  const logp = (pos: number, id: number) => {
    const row = l.subarray(pos * v, (pos + 1) * v);
    const m = Math.max(...row);
    return row[id] - m - Math.log(row.reduce((a, x) => a + Math.exp(x - m), 0));
  };
  const tgt = ids.slice(p.length);
  const targetNew = -tgt.reduce((a, t, j) => a + logp(p.length - 1 + j, t), 0) / tgt.length;
  const promptLast = -tgt.reduce((a, t) => a + logp(p.length - 1, t), 0) / tgt.length;
  return { targetNew, promptLast };
}

describe('ft', () => {
  it('presets put the layer at 21/32 of the depth; hparams reject unknown keys and bad values', () => {
    const { ctx } = setup();
    expect(defaultLayer(32)).toBe(21);
    expect(defaultLayer(40)).toBe(26);
    expect(defaultLayer(4)).toBe(3);
    expect(defaultLayer(1)).toBe(0);
    expect(ft.presets?.({ id: 'x', config: { ...ctx.backbone.config, numLayers: 32 } })).toEqual({ layers: [21] });
    expect(hp(ctx, {}).layers).toEqual([1]);
    expect(hp(ctx, {}).normConstraint).toBe(5e-4);
    expect(hp(ctx, {}).objective).toBe('target_new');
    expect(() => parseHparams('ft', ft.hparams, { num_steps: 3 })).toThrow(HparamError);
    expect(() => parseHparams('ft', ft.hparams, { objective: 'kl' })).toThrow(/objective/);
    expect(() => parseHparams('ft', ft.hparams, { normConstraint: -1 })).toThrow(/normConstraint/);
  });

  it('rejects repeated and out-of-range layers before touching the model', async () => {
    const s = setup();
    const before = await weightsHash(s.model);
    await expect(ft.apply(s.ctx, [REQS[0]], hp(s.ctx, { layers: [1, 1] }))).rejects.toThrow(/repeat/);
    await expect(ft.apply(s.ctx, [REQS[0]], hp(s.ctx, { layers: [2] }))).rejects.toThrow(/layer 2 is outside/);
    expect(await weightsHash(s.model)).toBe(before);
  });

  it('target_new: the first loss is the teacher-forced NLL, the loss falls, the target is produced, restore is exact', async () => {
    const s = setup();
    const before = await weightsHash(s.model);
    const live = memory().tensors;
    const ref = await hostLosses(s, REQS[0]);
    expect(await teacherForcedAccuracy(s.model, s.tok, REQS[0].prompt, REQS[0].target)).toBeLessThan(1);
    const res = await ft.apply(s.ctx, [REQS[0]], hp(s.ctx, { normConstraint: 0, lr: 0.05, numSteps: 40 }));
    const d = res.diagnostics;
    expect(d.firstLoss as number).toBeCloseTo(ref.targetNew, 9);
    expect(d.finalLoss as number).toBeLessThan((d.firstLoss as number) / 5);
    expect(await teacherForcedAccuracy(s.model, s.tok, REQS[0].prompt, REQS[0].target)).toBe(1);
    // one delta, on the preset layer's mlp.down, equal to what the model now holds minus the original
    expect(res.deltas.map((x) => x.ref)).toEqual([{ kind: 'mlp.down', layer: 1 }]);
    await res.restore();
    expect(await weightsHash(s.model)).toBe(before);
    expect(await teacherForcedAccuracy(s.model, s.tok, REQS[0].prompt, REQS[0].target)).toBeLessThan(1);
    expect(memory().tensors).toBe(live);
  });

  it('target_new with several requests: the mean per request, then across requests (EasyEdit batch rule)', async () => {
    const s = setup(11);
    const lens = REQS.map((r) => s.tok.encode(`${r.prompt} ${r.target}`).ids.length - s.tok.encode(r.prompt).ids.length);
    expect(lens[0]).not.toBe(lens[1]); // targets of different lengths, where the two rules differ
    const per = await Promise.all(REQS.map((r) => hostLosses(s, r)));
    const easyEdit = (per[0].targetNew + per[1].targetNew) / 2;
    const perToken = (per[0].targetNew * lens[0] + per[1].targetNew * lens[1]) / (lens[0] + lens[1]);
    expect(Math.abs(easyEdit - perToken)).toBeGreaterThan(1e-3);
    const res = await ft.apply(s.ctx, REQS, hp(s.ctx, { normConstraint: 0, lr: 0.05, numSteps: 1 }));
    expect(res.diagnostics.firstLoss as number).toBeCloseTo(easyEdit, 9);
    await res.restore();
  });

  it('target_new runs the head at the target positions only when the model can; the loss and its gradient equal the full head’s', async () => {
    const s = setup(5);
    expect(s.model.supportsLogitsAt).toBe(true);
    const plain = new Proxy(s.model, {
      get: (t, k) => (k === 'supportsLogitsAt' ? false : typeof Reflect.get(t, k) === 'function' ? Reflect.get(t, k).bind(t) : Reflect.get(t, k)),
    }) as LanguageModel;
    const batch = teacherForcedBatch(teacherForcedRows(s.tok, REQS), s.model.backend, 0);
    const w = s.model.weights().get('model.layers.1.mlp.down_proj.weight')!;
    const run = async (m: LanguageModel) => {
      const { value, grads } = valueAndGrads(() => targetNewLoss(m, batch), [w]);
      return { loss: await value.item(), grad: await host(grads[0]) };
    };
    const [a, b] = [await run(s.model), await run(plain)];
    expect(a.loss).toBeGreaterThan(0);
    expect(Math.abs(a.loss - b.loss)).toBeLessThan(1e-12);
    let worst = 0;
    for (let i = 0; i < a.grad.length; i++) worst = Math.max(worst, Math.abs(a.grad[i] - b.grad[i]));
    expect(worst).toBeLessThan(1e-12);
    expect(Math.max(...Array.from(a.grad, Math.abs))).toBeGreaterThan(1e-6);
  });

  it('prompt_last (reference): every target token scored at the last prompt position', async () => {
    const s = setup(5);
    const ref = await hostLosses(s, REQS[0]);
    expect(Math.abs(ref.promptLast - ref.targetNew)).toBeGreaterThan(1e-3); // the objectives differ here
    const res = await ft.apply(s.ctx, [REQS[0]], hp(s.ctx, { normConstraint: 0, lr: 0.05, numSteps: 30, objective: 'prompt_last' }));
    expect(res.diagnostics.firstLoss as number).toBeCloseTo(ref.promptLast, 9);
    expect(res.diagnostics.finalLoss as number).toBeLessThan(res.diagnostics.firstLoss as number);
    await res.restore();
  });

  it('with the L-infinity constraint no weight moves farther than epsilon (read back), and the ball is reached', async () => {
    const s = setup();
    const eps = 2e-3;
    const w0 = await host(s.model.weight({ kind: 'mlp.down', layer: 1 }));
    const others = new Map<string, Float64Array>();
    for (const [name, t] of s.model.weights()) others.set(name, await host(t));
    const res = await ft.apply(s.ctx, [REQS[0]], hp(s.ctx, { normConstraint: eps, lr: 0.05, numSteps: 8 }));
    const w1 = await host(s.model.weight({ kind: 'mlp.down', layer: 1 }));
    const delta = await host(res.deltas[0].delta);
    let worst = 0;
    let atBound = 0;
    for (let i = 0; i < w0.length; i++) {
      const dv = Math.abs(w1[i] - w0[i]);
      worst = Math.max(worst, dv);
      if (dv > eps * 0.999) atBound++;
      expect(Math.abs(delta[i] - (w1[i] - w0[i]))).toBeLessThan(1e-15);
    }
    expect(worst).toBeLessThanOrEqual(eps * (1 + 1e-12));
    expect(atBound).toBeGreaterThan(w0.length / 4);
    // every other weight is untouched
    for (const [name, t] of s.model.weights()) {
      if (name !== 'model.layers.1.mlp.down_proj.weight') expect(await host(t), name).toEqual(others.get(name));
    }
    await res.restore();
    expect(await host(s.model.weight({ kind: 'mlp.down', layer: 1 }))).toEqual(w0);
  });

  it('edits a batch, stops early below the threshold, trains other matrices and layers', async () => {
    const s = setup(7);
    const before = await weightsHash(s.model);
    const res = await ft.apply(s.ctx, REQS, hp(s.ctx, { normConstraint: 0, lr: 0.05, numSteps: 100, earlyStopLoss: 0.6 }));
    expect(res.diagnostics.steps as number).toBeLessThan(100);
    expect(res.diagnostics.finalLoss as number).toBeLessThan(0.6);
    for (const r of REQS) expect(await teacherForcedAccuracy(s.model, s.tok, r.prompt, r.target)).toBe(1);
    await res.restore();
    expect(await weightsHash(s.model)).toBe(before);
    // a loss already below the threshold: no step, zero delta
    const none = await ft.apply(s.ctx, [REQS[0]], hp(s.ctx, { earlyStopLoss: 1e9 }));
    expect(none.diagnostics.steps).toBe(1);
    expect(Math.max(...(await host(none.deltas[0].delta)).map(Math.abs))).toBe(0);
    await none.restore();
    const multi = await ft.apply(s.ctx, [REQS[1]], hp(s.ctx, { layers: [0, 1], module: 'mlp.up', normConstraint: 0, lr: 0.05, numSteps: 5 }));
    expect(multi.deltas.map((x) => x.ref)).toEqual([
      { kind: 'mlp.up', layer: 0 },
      { kind: 'mlp.up', layer: 1 },
    ]);
    await multi.restore();
    expect(await weightsHash(s.model)).toBe(before);
  });
});

const webgpu = await maybeWebGpu();

describe.skipIf(!webgpu)('ft on WebGPU', () => {
  it('matches the CPU losses, keeps the L-infinity bound on read-back f32 values, and restores exactly', async () => {
    const s = setup();
    const gpuModel = await copyModel(s.model, webgpu!);
    const gctx = tinyContext(gpuModel, s.tok);
    const h = hp(s.ctx, { normConstraint: 0, lr: 0.05, numSteps: 10, earlyStopLoss: 0 });
    const c = await ft.apply(s.ctx, [REQS[0]], h);
    const before = await weightsHash(gpuModel);
    const g = await ft.apply(gctx, [REQS[0]], h);
    expect(Math.abs((g.diagnostics.firstLoss as number) - (c.diagnostics.firstLoss as number))).toBeLessThan(1e-5);
    expect(Math.abs((g.diagnostics.finalLoss as number) - (c.diagnostics.finalLoss as number))).toBeLessThan(1e-3 * (c.diagnostics.finalLoss as number) + 1e-5);
    await g.restore();
    await c.restore();
    expect(await weightsHash(gpuModel)).toBe(before);
    const eps = 1e-3;
    const w0 = await host(gpuModel.weight({ kind: 'mlp.down', layer: 1 }));
    const b = await ft.apply(gctx, [REQS[0]], hp(s.ctx, { normConstraint: eps, lr: 0.05, numSteps: 6 }));
    const w1 = await host(gpuModel.weight({ kind: 'mlp.down', layer: 1 }));
    let worst = 0;
    for (let i = 0; i < w0.length; i++) worst = Math.max(worst, Math.abs(w1[i] - w0[i]));
    expect(worst).toBeGreaterThan(eps * 0.99);
    expect(worst).toBeLessThanOrEqual(eps + 1e-7); // f32 rounding of w0 ± eps
    await b.restore();
    expect(await weightsHash(gpuModel)).toBe(before);
    gpuModel.dispose();
  });
});
