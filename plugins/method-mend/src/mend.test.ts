import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { logSoftmax, parseHparams, sum, tensor, tidy, untrack, valueAndGrads, Rng, type Tensor } from '@crossedit/core';
import { collate, disposeBatch, editRow, labelLogits, selNll, MissingArtifactError, ArtifactMismatchError, type EditExample } from '@crossedit/editor-training';
import { weightsHash } from '@crossedit/stats';
import { tinySetup } from '@crossedit/stats/testing';
import mend, { captureFactors, clampMin0, LAYER_PARAMS, defaultMendConfig, disposeFactors, mendDeltas, MendEditor, MendTrainer, outerLoss, trainMend, type MendArch } from './index.js';

const EX: EditExample[] = [
  { index: 0, lang: 'en', prompt: 'What is the capital city of France', target: 'Rome', loc: 'Who was born in Berlin', locAns: 'Einstein' },
  { index: 1, lang: 'en', prompt: 'Which language is spoken in Japan', target: 'German', loc: 'What sport plays the team', locAns: 'chess' },
  { index: 2, lang: 'en', prompt: 'Who founded the company Nokia', target: 'Picasso', loc: 'Where is the river located', locAns: 'Canada' },
  { index: 3, lang: 'en', prompt: 'What is the capital city of Italy', target: 'Madrid', loc: 'Who works for Apple', locAns: 'Newton' },
];

function arch(over: Partial<MendArch> = {}): MendArch {
  return { layers: [2, 3], kinds: ['mlp.gate', 'mlp.up', 'mlp.down'], rank: 6, depth: 2, editLr: 1e-2, norm: true, seed: 7, ...over };
}

/** Random, non-degenerate network parameters (so no ReLU sits at its kink in a finite-difference check). */
function randomize(e: MendEditor, seed: number): void {
  const rng = new Rng(seed);
  const ps = e.params().map((p) => untrack(rng.normal([...p.shape], { std: 0.3 })));
  e.setParams(ps);
}

async function host(t: Tensor): Promise<Float64Array> {
  return Float64Array.from(await t.data());
}

describe('mend', () => {
  it('the edited matrices share one network per shape with one mode each', () => {
    const { model } = tinySetup();
    const e = new MendEditor(model.config, arch(), model.backend);
    expect(e.nets).toHaveLength(2); // (D→M) for gate/up, (M→D) for down
    expect(e.matrices.map((m) => [m.ref.kind, m.ref.layer, m.net, m.mode])).toEqual([
      ['mlp.gate', 2, 0, 0],
      ['mlp.up', 2, 0, 1],
      ['mlp.down', 2, 1, 0],
      ['mlp.gate', 3, 0, 2],
      ['mlp.up', 3, 0, 3],
      ['mlp.down', 3, 1, 1],
    ]);
    expect(e.nets[0].modes).toBe(4);
    expect(e.etas).toHaveLength(6);
    e.dispose();
  });

  it('identity-initialised MEND (no normalisation) is one plain gradient step W + η·∇W with the initial step sizes', async () => {
    const { model, tokenizer } = tinySetup({ seed: 2 });
    const e = new MendEditor(model.config, arch({ norm: false, editLr: 0.037 }), model.backend);
    const req = { id: 'r', prompt: EX[0].prompt, subject: 'France', target: EX[0].target, lang: 'en' };
    const { deltas } = await mendDeltas(model, tokenizer, e, [req]);
    // the plain gradient of the same loss with respect to the same matrices
    const b = collate([editRow(tokenizer, req.prompt, req.target)], 0, model.backend);
    const ws = e.matrices.map((m) => model.weight(m.ref));
    const { grads } = valueAndGrads(() => selNll(logSoftmax(labelLogits(model, b)), b), ws);
    for (let i = 0; i < ws.length; i++) {
      const got = await host(deltas[i].delta);
      const want = await host(grads[i]);
      let scale = 0;
      for (const v of want) scale = Math.max(scale, Math.abs(v));
      expect(scale).toBeGreaterThan(0);
      for (let k = 0; k < want.length; k++) expect(got[k]).toBeCloseTo(0.037 * want[k], 12);
    }
    disposeBatch(b);
    e.dispose();
  });

  it('the update of each matrix has rank at most the number of token rows', async () => {
    const { model, tokenizer } = tinySetup({ seed: 3 });
    const e = new MendEditor(model.config, arch(), model.backend);
    randomize(e, 5);
    const b = collate([editRow(tokenizer, 'Paris', 'Rome')], 0, model.backend);
    const { factors } = await captureFactors(model, b, e.matrices);
    const n = factors[0].rows;
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThan(model.config.hiddenSize);
    const ds = tidy(() => e.deltas(factors));
    for (let i = 0; i < ds.length; i++) {
      const [out, inn] = ds[i].shape;
      expect(numericRank(await host(ds[i]), out, inn)).toBeLessThanOrEqual(factors[i].rows);
      expect(numericRank(await host(ds[i]), out, inn)).toBeGreaterThan(0);
    }
    disposeFactors(factors);
    disposeBatch(b);
    e.dispose();
  });

  it('the outer gradient (through the fast weights into the networks and η) matches central finite differences', async () => {
    const { model, tokenizer } = tinySetup({ seed: 4 });
    const e = new MendEditor(model.config, arch(), model.backend);
    randomize(e, 9);
    const optim = { lr: 1e-3, lrLr: 1e-3, cEdit: 0.1, cLoc: 1.0, counterfactualTargets: false };
    const edit = collate([editRow(tokenizer, EX[0].prompt, EX[0].target)], 0, model.backend);
    const loc = collate([editRow(tokenizer, EX[0].loc, EX[0].locAns)], 0, model.backend);
    const { factors } = await captureFactors(model, edit, e.matrices);
    e.observe(factors); // fixed statistics from here on
    const logBase = untrack(tidy(() => logSoftmax(labelLogits(model, loc))));
    const lossAt = async (): Promise<number> => {
      const r = tidy(() => {
        const o = outerLoss(model, e, factors, edit, loc, logBase, optim);
        for (const f of o.fast) f.dispose();
        return o.total;
      });
      const v = await r.item();
      r.dispose();
      return v;
    };
    const params = e.params();
    let fast: Tensor[] = [];
    const { grads } = valueAndGrads(() => {
      const o = outerLoss(model, e, factors, edit, loc, logBase, optim);
      fast = o.fast;
      return o.total;
    }, params);
    for (const f of fast) f.dispose();
    // η of every matrix and a few entries of U, V, b, scale and shift of both networks
    const probes: [number, number][] = [];
    params.forEach((p, i) => {
      if (p.size === 1) probes.push([i, 0]);
      else if (i % 3 === 0) probes.push([i, (i * 7) % p.size]);
    });
    expect(probes.length).toBeGreaterThan(10);
    const h = 1e-6;
    for (const [i, k] of probes) {
      const base = await host(params[i]);
      const set = (v: number) => {
        const d = Float64Array.from(base);
        d[k] = v;
        const ps = e.params();
        ps[i] = untrack(tensor(d, [...params[i].shape]));
        e.setParams(ps);
      };
      set(base[k] + h);
      const up = await lossAt();
      set(base[k] - h);
      const down = await lossAt();
      set(base[k]);
      const fd = (up - down) / (2 * h);
      const an = (await host(grads[i]))[k];
      expect(Math.abs(an - fd), `param ${i}[${k}]: analytic ${an}, finite difference ${fd}`).toBeLessThan(1e-6 + 1e-5 * Math.abs(fd));
    }
    disposeFactors(factors);
    e.dispose();
  });

  it('apply loads an artifact (refusing one for other weights, naming the command when none exists) and restore is bit-identical', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mend-art-'));
    const a = tinySetup({ seed: 5 });
    const cfg = defaultMendConfig(a.model.config);
    cfg.arch = arch();
    cfg.loop = { ...cfg.loop, maxIters: 4, accumulate: 2, valEvery: 1, valCount: 1, checkpointEvery: 1 };
    const ctx = { ...a.ctx, cacheDir: dir };
    const hp = parseHparams('mend', mend.hparams, { artifactDir: join(dir, 'art') });
    const req = { id: 'r', prompt: EX[1].prompt, subject: 'Japan', target: EX[1].target, lang: 'en' };
    // nothing trained yet: the error prints the training command
    await expect(mend.apply(ctx, [req], hp)).rejects.toThrow(MissingArtifactError);
    await expect(mend.apply(ctx, [req], hp)).rejects.toThrow(/crossedit train-editor --method mend --backbone/);
    const source = { file: 'toy.json', sha256: 'x', lang: 'en', format: 'zsre' as const, limit: null, used: 3, validation: 1 };
    const { artifact } = await trainMend({ model: a.model, tokenizer: a.tokenizer, backbone: 'toy', config: cfg, train: EX.slice(0, 3), validation: EX.slice(3), sources: [source], runDir: join(dir, 'run'), outDir: join(dir, 'art') });
    expect(artifact).toMatch(/mend-[0-9a-f]{24}\.safetensors$/);
    const before = await weightsHash(a.model);
    const w0 = await host(a.model.weight({ kind: 'mlp.down', layer: 3 }));
    const r = await mend.apply(ctx, [req], hp);
    expect(r.deltas).toHaveLength(6);
    const w1 = await host(a.model.weight({ kind: 'mlp.down', layer: 3 }));
    expect(w1.some((v, i) => v !== w0[i])).toBe(true);
    await r.restore();
    expect(await weightsHash(a.model)).toBe(before);
    // the same artifact on another model (other weights) is refused, by path and by search
    const b = tinySetup({ seed: 6 });
    const ctxB = { ...b.ctx, cacheDir: dir };
    await expect(mend.apply(ctxB, [req], { ...hp, artifact: artifact! })).rejects.toThrow(ArtifactMismatchError);
    await expect(mend.apply(ctxB, [req], { ...hp, artifact: artifact! })).rejects.toThrow(/trained for backbone weights/);
    await expect(mend.apply(ctxB, [req], hp)).rejects.toThrow(/not usable/);
    // and an edit in a language the artifact was not trained on
    await expect(mend.apply(ctx, [{ ...req, lang: 'zh' }], hp)).rejects.toThrow(/training data is in en, the edit is in zh/);
  });

  it('a run killed mid-way resumes from its last checkpoint to the same result as an uninterrupted run', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mend-resume-'));
    const run = async (name: string, crashAt?: number) => {
      const s = tinySetup({ seed: 8 });
      const cfg = defaultMendConfig(s.model.config);
      cfg.arch = arch();
      cfg.loop = { ...cfg.loop, maxIters: 8, accumulate: 2, valEvery: 2, valCount: 1, checkpointEvery: 1, patience: 0 };
      const source = { file: 'toy.json', sha256: 'x', lang: 'en', format: 'zsre' as const, limit: null, used: 3, validation: 1 };
      const opts = { model: s.model, tokenizer: s.tokenizer, backbone: 'toy', config: cfg, train: EX.slice(0, 3), validation: EX.slice(3), sources: [source], runDir: join(dir, name), outDir: join(dir, `${name}-art`) };
      if (crashAt !== undefined) {
        await expect(
          trainMend({
            ...opts,
            onProgress: (p) => {
              if (p.iter === crashAt) throw new Error('killed');
            },
          }),
        ).rejects.toThrow('killed');
      }
      const lines: string[] = [];
      const r = await trainMend({ ...opts, log: (l) => lines.push(l) });
      const m = lines.map((l) => /^resuming .* at iteration (\d+)/.exec(l)).find(Boolean);
      return { r, resumedAt: m ? Number(m[1]) : -1 };
    };
    const straight = await run('straight');
    const killed = await run('killed', 5);
    // killed after iteration 5: the checkpoint of optimizer step 2 (iteration 4) is the last one; one iteration is lost
    expect(killed.resumedAt).toBe(4);
    expect(straight.resumedAt).toBe(-1);
    expect(killed.r.result.state.train.map((p) => p.loss)).toEqual(straight.r.result.state.train.map((p) => p.loss));
    // content addressed: the same training gives the same artifact id
    expect(killed.r.artifact!.split('/').pop()).toBe(straight.r.artifact!.split('/').pop());
    const { readArtifact } = await import('@crossedit/editor-training');
    const [x, y] = [await readArtifact(straight.r.artifact!), await readArtifact(killed.r.artifact!)];
    for (const k of Object.keys(x.tensors)) expect(Array.from(y.tensors[k].data)).toEqual(Array.from(x.tensors[k].data));
  });

  it('at the identity initialisation the outer gradient reaches the networks (clamp(min=0) semantics at the kink)', async () => {
    // every pre-activation is exactly 0 at initialisation (U = 0, b = 0, shift = 0); with a ReLU whose
    // gradient is 0 there, U, b and shift would get no gradient and the networks would never train
    const { model, tokenizer } = tinySetup({ seed: 11 });
    const e = new MendEditor(model.config, arch(), model.backend);
    const t = new MendTrainer(model, tokenizer, e, { lr: 1e-3, lrLr: 1e-3, cEdit: 0.1, cLoc: 1.0, counterfactualTargets: false });
    const r = await t.iteration([EX[0]]);
    const names = e.nets.flatMap((n, k) => n.layers.flatMap((_, j) => LAYER_PARAMS.map((p) => `net${k}.l${j}.${p}`)));
    for (let i = 0; i < names.length; i++) {
      const g = await host(r.grads[i]);
      const maxAbs = g.reduce((a, v) => Math.max(a, Math.abs(v)), 0);
      // V and scale multiply U·(V z) = 0 at initialisation, so only they start with a zero gradient
      if (/\.(U|b|shift)$/.test(names[i])) expect(maxAbs, names[i]).toBeGreaterThan(0);
      else expect(maxAbs, names[i]).toBe(0);
    }
    for (const g of r.grads) g.dispose();
    t.dispose();
    e.dispose();
  });

  it('clampMin0 is max(x, 0) with gradient 1 for x >= 0 (0 included) and 0 below', async () => {
    const x = tensor([-2, -1e-9, 0, 1e-9, 3], [5]);
    const { value, grads } = valueAndGrads(() => sum(clampMin0(x)), [x]);
    expect(await value.item()).toBeCloseTo(3 + 1e-9, 12);
    expect(Array.from(await host(grads[0]))).toEqual([0, 0, 1, 1, 1]);
  });

  it('a trainer iteration skips nothing on finite data and produces gradients for the networks and every η', async () => {
    const { model, tokenizer } = tinySetup({ seed: 10 });
    const e = new MendEditor(model.config, arch(), model.backend);
    const t = new MendTrainer(model, tokenizer, e, { lr: 1e-3, lrLr: 1e-3, cEdit: 0.1, cLoc: 1.0, counterfactualTargets: false });
    const r = await t.iteration([EX[2]]);
    expect(Number.isFinite(r.loss)).toBe(true);
    expect(r.loss).toBeCloseTo(0.1 * r.edit + r.loc, 9);
    const n = e.netParamCount;
    for (const g of r.grads.slice(n)) expect(Math.abs(await g.item())).toBeGreaterThan(0);
    for (const g of r.grads) g.dispose();
    t.dispose();
    e.dispose();
  });
});

/** Numerical rank of a row-major `[r, c]` matrix by Gram–Schmidt on its rows (relative tolerance 1e-9). */
function numericRank(a: Float64Array, r: number, c: number): number {
  const basis: Float64Array[] = [];
  let maxNorm = 0;
  for (let i = 0; i < r; i++) {
    let n = 0;
    for (let j = 0; j < c; j++) n += a[i * c + j] ** 2;
    maxNorm = Math.max(maxNorm, Math.sqrt(n));
  }
  for (let i = 0; i < r; i++) {
    const v = Float64Array.from(a.subarray(i * c, (i + 1) * c));
    for (const b of basis) {
      let d = 0;
      for (let j = 0; j < c; j++) d += v[j] * b[j];
      for (let j = 0; j < c; j++) v[j] -= d * b[j];
    }
    let n = 0;
    for (let j = 0; j < c; j++) n += v[j] ** 2;
    n = Math.sqrt(n);
    if (n > 1e-9 * maxNorm) basis.push(v.map((x) => x / n));
  }
  return basis.length;
}
