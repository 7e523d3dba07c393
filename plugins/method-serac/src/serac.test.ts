import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exp, logSoftmax, parseHparams, softmax, tensor, tidy, type Tensor } from '@crossedit/core';
import { collate, editRow, MissingArtifactError, ArtifactMismatchError, type EditExample } from '@crossedit/editor-training';
import { weightsHash } from '@crossedit/stats';
import { tinySetup } from '@crossedit/stats/testing';
import serac, { appendMemory, BagClassifier, Counterfactual, defaultSeracConfig, memoryEntry, memoryOf, MIX_EPS, seracForward, SeracTrainer, similarities, trainSerac } from './index.js';

const EX: EditExample[] = [
  { index: 0, lang: 'en', prompt: 'What is the capital city of France', target: 'Rome', loc: 'Who was born in Berlin', locAns: 'Einstein' },
  { index: 1, lang: 'en', prompt: 'Which language is spoken in Japan', target: 'German', loc: 'What sport plays the team', locAns: 'chess' },
  { index: 2, lang: 'en', prompt: 'Who founded the company Nokia', target: 'Picasso', loc: 'Where is the river located', locAns: 'Canada' },
  { index: 3, lang: 'en', prompt: 'What is the capital city of Italy', target: 'Madrid', loc: 'Who works for Apple', locAns: 'Newton' },
];

async function host(t: Tensor): Promise<Float64Array> {
  return Float64Array.from(await t.data());
}

describe('serac', () => {
  it('the memory is append-only per base model and restore removes exactly its own entries', () => {
    const { model, tokenizer } = tinySetup();
    const a = appendMemory(model, [memoryEntry(tokenizer, { id: 'a', prompt: EX[0].prompt, target: 'Rome' })]);
    const b = appendMemory(model, [memoryEntry(tokenizer, { id: 'b', prompt: EX[1].prompt, target: 'German' })]);
    expect(memoryOf(model).map((e) => e.id)).toEqual(['a', 'b']);
    a();
    expect(memoryOf(model).map((e) => e.id)).toEqual(['b']);
    b();
    expect(memoryOf(model)).toEqual([]);
    // the classifier context drops the target's last word (EasyEdit's rsplit(" ", 1)[0])
    const e = memoryEntry(tokenizer, { id: 'c', prompt: 'who founded Nokia', target: 'Curie Picasso' });
    expect(tokenizer.decode(e.ctxIds)).toBe('who founded Nokia Curie');
    expect(e.prefix[0]).toBe(tokenizer.special.bos);
  });

  it('the mixture is log((1 − s*)·p_base + s*·p_cf + ε) with s* = exp(−‖e(c) − e(x)‖²) of the closest entry', async () => {
    const { model, tokenizer } = tinySetup({ seed: 3 });
    const cls = new BagClassifier(model.weight({ kind: 'embed' }), { kind: 'bag', width: 32, projInit: 0.7 }, model.backend);
    const cf = new Counterfactual(model, { train: 'all', copyHead: null, source: null });
    const mem = [EX[0], EX[1]].map((e, i) => memoryEntry(tokenizer, { id: `m${i}`, prompt: e.prompt, target: e.target }));
    const b = collate([editRow(tokenizer, EX[1].prompt, EX[1].target)], 0, model.backend);
    const out = tidy(() => seracForward(model, cf, cls, mem, b.ids, b.mask, { hasBos: true }));
    const sim = await host(tidy(() => similarities(cls, mem, b.ids, b.mask, true)));
    const j = sim[1] > sim[0] ? 1 : 0;
    expect(j).toBe(1); // its own fact is the closest
    expect((await host(out.sStar))[0]).toBeCloseTo(sim[j], 12);
    // reference: base and counterfactual (prefix + x without BOS) run separately, mixed on the host
    const pBase = await host(tidy(() => softmax(model.forward(b.ids).logits!)));
    const x = b.host.ids;
    const cfIds = [...mem[j].prefix, ...Array.from(x).slice(1)];
    const pCf = await host(tidy(() => softmax(cf.model.forward(tensor(Int32Array.from(cfIds), [1, cfIds.length], { dtype: 'i32' })).logits!)));
    const mix = await host(tidy(() => exp(out.logMix)));
    const v = model.config.vocabSize;
    const start = mem[j].prefix.length - 1;
    for (let p = 0; p < b.cols; p++) {
      for (let t = 0; t < v; t += 7) {
        const want = (1 - sim[j]) * pBase[p * v + t] + sim[j] * pCf[(start + p) * v + t] + MIX_EPS;
        expect(mix[p * v + t]).toBeCloseTo(want, 10);
      }
    }
    // an empty memory answers exactly as the base model
    const empty = await host(tidy(() => seracForward(model, cf, cls, [], b.ids, b.mask, { hasBos: true }).logMix));
    const lb = await host(tidy(() => logSoftmax(model.forward(b.ids).logits!)));
    expect(Array.from(empty)).toEqual(Array.from(lb));
    cls.dispose();
    cf.dispose();
  });

  it('training reaches the classifier and the counterfactual model through the mixture', async () => {
    const { model, tokenizer } = tinySetup({ seed: 4 });
    const cls = new BagClassifier(model.weight({ kind: 'embed' }), { kind: 'bag', width: 32, projInit: 1 }, model.backend);
    const cf = new Counterfactual(model, { train: 'all', copyHead: null, source: null });
    const t = new SeracTrainer(model, tokenizer, cls, cf, { lr: 1e-3, cEdit: 0.1, cLoc: 1.0, rephrase: false, cCf: 0, cCls: 0, counterfactualTargets: false });
    const r = await t.iteration(EX.slice(0, 2));
    expect(r.loss).toBeCloseTo(0.1 * r.edit + r.loc, 9);
    expect(r.grads).toHaveLength(2 + cf.refs.length);
    const norms = await Promise.all(r.grads.map(async (g) => (await host(g)).reduce((a, v) => a + v * v, 0)));
    expect(norms[0]).toBeGreaterThan(0); // token gates
    expect(norms[1]).toBeGreaterThan(0); // projection
    expect(norms.slice(2).filter((n) => n > 0).length).toBeGreaterThan(cf.refs.length / 2);
    for (const g of r.grads) g.dispose();
    t.dispose();
    cls.dispose();
    cf.dispose();
  });

  it('apply needs a fitting artifact, answers through the wrapper, leaves the weights alone, and keeps multi-fact memories', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'serac-art-'));
    const a = tinySetup({ seed: 5 });
    const ctx = { ...a.ctx, cacheDir: dir };
    const hp = parseHparams('serac', serac.hparams, { artifactDir: join(dir, 'art') });
    const req = (i: number) => ({ id: `r${i}`, prompt: EX[i].prompt, subject: '', target: EX[i].target, lang: 'en' });
    await expect(serac.apply(ctx, [req(0)], hp)).rejects.toThrow(MissingArtifactError);
    await expect(serac.apply(ctx, [req(0)], hp)).rejects.toThrow(/crossedit train-editor --method serac --backbone/);
    const cfg = defaultSeracConfig(a.model.config);
    cfg.loop = { ...cfg.loop, maxIters: 2, accumulate: 1, valEvery: 1, valCount: 1, checkpointEvery: 1 };
    const source = { file: 'toy.json', sha256: 'x', lang: 'en', format: 'zsre' as const, limit: null, used: 3, validation: 1 };
    const { artifact } = await trainSerac({ model: a.model, tokenizer: a.tokenizer, backbone: 'toy', config: cfg, train: EX.slice(0, 3), validation: EX.slice(3), sources: [source], runDir: join(dir, 'run'), outDir: join(dir, 'art') });
    expect(artifact).toMatch(/serac-[0-9a-f]{24}\.safetensors$/);
    const before = await weightsHash(a.model);
    const r1 = await serac.apply(ctx, [req(0)], hp);
    const r2 = await serac.apply(ctx, [req(1)], hp);
    expect(r1.deltas).toEqual([]);
    expect(memoryOf(a.model)).toHaveLength(2);
    expect(r2.model).toBeDefined();
    const b = collate([editRow(a.tokenizer, EX[0].prompt, EX[0].target)], 0, a.model.backend);
    const edited = await host(tidy(() => r2.model!.forward(b.ids, { attentionMask: b.mask }).logits!));
    const base = await host(tidy(() => logSoftmax(a.model.forward(b.ids, { attentionMask: b.mask }).logits!)));
    expect(edited.some((v, i) => Math.abs(v - base[i]) > 1e-6)).toBe(true);
    expect(() => r2.model!.forward(b.ids, { hooks: [{ ref: { kind: 'embed' }, fn: () => undefined }] })).toThrow(/plain forward/);
    await r2.restore();
    await r1.restore();
    expect(memoryOf(a.model)).toHaveLength(0);
    expect(await weightsHash(a.model)).toBe(before);
    // another backbone's weights: refused
    const other = tinySetup({ seed: 6 });
    await expect(serac.apply({ ...other.ctx, cacheDir: dir }, [req(0)], { ...hp, artifact: artifact! })).rejects.toThrow(ArtifactMismatchError);
  });
});
