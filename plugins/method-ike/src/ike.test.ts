import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { HparamError, parseHparams, tensor, tidy, type Backend, type EditRequest, type SentenceEncoder } from '@crossedit/core';
import { BertEncoder } from '@crossedit/transformer';
import { copyModel, cpuBackend, host, maybeWebGpu, tinyContext, tinyLlama, vocabOf, wordTokenizer } from '@crossedit/testing';
import { writeTinyBert } from '@crossedit/transformer/testing';
import ike, { applyIke, backboneEncoder, backboneFingerprint, buildBank, readDemoSources, topKCosine, type IkeHparams } from './index.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const SHARED = process.env.CROSSEDIT_SHARED ?? path.resolve(REPO, '../shared');
const TRAIN = path.join(SHARED, 'data', 'mzsre', 'train');
const tmp = mkdtempSync(path.join(tmpdir(), 'crossedit-ike-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const RECORDS = [
  { subject: 'Danube', src: 'Which river flows through Vienna?', rephrase: 'Vienna lies on which river?', alt: 'Rhine', answers: ['Danube'], loc: 'nq question: who sings thriller', loc_ans: 'Michael Jackson' },
  { subject: 'Hamlet', src: 'Who wrote Hamlet?', rephrase: 'Hamlet was written by whom?', alt: 'Goethe', answers: ['Shakespeare'], loc: 'nq question: to whom was the letter sent', loc_ans: 'Paul' },
  { subject: 'France', src: 'What is the capital of France?', rephrase: 'France has which capital?', alt: 'Lyon', answers: ['Paris'], loc: 'nq question: where is everest', loc_ans: 'Nepal' },
];
const ZSRE = path.join(tmp, 'zsre_mend_train_small.json');
writeFileSync(ZSRE, JSON.stringify(RECORDS));

const REQ: EditRequest = { id: 'q', prompt: 'What is the capital of Italy?', subject: 'Italy', target: 'Milan', lang: 'en' };
const QUERY = 'New Fact: What is the capital of Italy? Milan\nPrompt: What is the capital of Italy?\n\n';

/** The nine demonstrations of RECORDS, spelled out in the documented layout. */
const DEMO = {
  copy0: 'New Fact: Which river flows through Vienna? Rhine\nPrompt: Which river flows through Vienna? Rhine\n\n',
  update0: 'New Fact: Which river flows through Vienna? Rhine\nPrompt: Vienna lies on which river? Rhine\n\n',
  retain0: 'New Fact: Which river flows through Vienna? Rhine\nPrompt: who sings thriller Michael Jackson\n\n',
  copy1: 'New Fact: Who wrote Hamlet? Goethe\nPrompt: Who wrote Hamlet? Goethe\n\n',
  update1: 'New Fact: Who wrote Hamlet? Goethe\nPrompt: Hamlet was written by whom? Goethe\n\n',
  retain1: 'New Fact: Who wrote Hamlet? Goethe\nPrompt: to whom was the letter sent Paul\n\n',
  copy2: 'New Fact: What is the capital of France? Lyon\nPrompt: What is the capital of France? Lyon\n\n',
  update2: 'New Fact: What is the capital of France? Lyon\nPrompt: France has which capital? Lyon\n\n',
  retain2: 'New Fact: What is the capital of France? Lyon\nPrompt: where is everest Nepal\n\n',
};

/** A fake encoder: known unit vectors at known angles; any other text is an error (so the query layout is checked too). */
function tableEncoder(angles: Record<string, number>): SentenceEncoder & { calls: number; texts: number } {
  const enc = {
    id: 'fake:table',
    dim: 2,
    calls: 0,
    texts: 0,
    async encode(texts: readonly string[]) {
      enc.calls++;
      enc.texts += texts.length;
      const out = new Float32Array(texts.length * 2);
      texts.forEach((t, i) => {
        const a = angles[t];
        if (a === undefined) throw new Error(`fake encoder: unexpected text ${JSON.stringify(t)}`);
        out[2 * i] = Math.cos(a);
        out[2 * i + 1] = Math.sin(a);
      });
      return out;
    },
  };
  return enc;
}

const ANGLES: Record<string, number> = {
  [QUERY]: 0,
  [DEMO.update2]: 0.1,
  [DEMO.retain0]: 0.2,
  [DEMO.copy1]: -0.3,
  [DEMO.copy0]: 1.0,
  [DEMO.update0]: -1.2,
  [DEMO.update1]: 2.0,
  [DEMO.retain1]: 2.5,
  [DEMO.copy2]: -2.2,
  [DEMO.retain2]: 3.0,
};

/** Hashed character-trigram vectors: a deterministic encoder for any text. */
function hashEncoder(id = 'fake:hash'): SentenceEncoder & { texts: number } {
  const enc = {
    id,
    dim: 16,
    texts: 0,
    async encode(texts: readonly string[]) {
      enc.texts += texts.length;
      const out = new Float32Array(texts.length * 16);
      texts.forEach((t, i) => {
        for (let j = 0; j + 3 <= t.length; j++) out[i * 16 + ((t.charCodeAt(j) * 31 + t.charCodeAt(j + 1) * 7 + t.charCodeAt(j + 2)) % 16)] += 1;
        let n = 0;
        for (let d = 0; d < 16; d++) n += out[i * 16 + d] ** 2;
        for (let d = 0; d < 16; d++) out[i * 16 + d] /= Math.sqrt(n) || 1;
      });
      return out;
    },
  };
  return enc;
}

function setup(extra: Parameters<typeof tinyContext>[2] = {}) {
  cpuBackend();
  const tok = wordTokenizer(vocabOf([REQ.prompt, REQ.target, ...RECORDS.flatMap((r) => [r.src, r.alt])]));
  const model = tinyLlama({ vocabSize: tok.vocabSize, seed: 1 });
  return { tok, model, ctx: tinyContext(model, tok, extra) };
}

function hp(over: Partial<IkeHparams>): IkeHparams {
  return parseHparams<IkeHparams>('ike', ike.hparams, over);
}

describe('ike retrieval and prompt', () => {
  it('topKCosine ranks by dot product, most similar first, ties by lower index', () => {
    const bank = Float32Array.from([1, 0, 0, 1, 0.6, 0.8, 1, 0, -1, 0]);
    expect(topKCosine(bank, 2, Float32Array.from([1, 0]), 3).map((h) => h.index)).toEqual([0, 3, 2]);
    expect(topKCosine(bank, 2, Float32Array.from([0, 1]), 10).map((h) => h.index)).toEqual([1, 2, 0, 3, 4]);
  });

  it('retrieves the expected neighbours and builds the documented prompt exactly', async () => {
    const { ctx } = setup();
    const enc = tableEncoder(ANGLES);
    const res = await applyIke(ctx, [REQ], hp({ k: 3, bank: ZSRE }), enc);
    expect(res.deltas).toEqual([]);
    expect(res.wrapPrompt!('Which city is the capital of Italy?')).toBe(
      DEMO.update2 + DEMO.retain0 + DEMO.copy1 + 'New Fact: What is the capital of Italy? Milan\nPrompt: Which city is the capital of Italy?',
    );
    expect(res.diagnostics.bankKinds).toBe('{"copy":3,"update":3,"retain":3}');
    expect(res.diagnostics.bankSource).toBe(ZSRE);
    expect(res.diagnostics.encoder).toBe('fake:table');
    // the paper-era variant appends the new fact's own copy demonstration
    const paper = await applyIke(ctx, [REQ], hp({ k: 2, bank: ZSRE, appendCopyDemo: true }), enc);
    expect(paper.wrapPrompt!('X?')).toBe(
      DEMO.update2 + DEMO.retain0 + 'New Fact: What is the capital of Italy? Milan\nPrompt: What is the capital of Italy? Milan\n\n' + 'New Fact: What is the capital of Italy? Milan\nPrompt: X?',
    );
    // k = 0: no demonstrations, only the fact line
    expect((await applyIke(ctx, [REQ], hp({ k: 0, bank: ZSRE }), enc)).wrapPrompt!('X?')).toBe('New Fact: What is the capital of Italy? Milan\nPrompt: X?');
  });

  it("states the evaluator's fact target (the item language's answer) with the same demonstrations; declares its pre-edit context", async () => {
    const { ctx } = setup();
    const res = await applyIke(ctx, [REQ], hp({ k: 3, bank: ZSRE }), tableEncoder(ANGLES));
    // the paper's bizsre path: an English edit asked in Chinese gets `New Fact: {en prompt} {zh alt}`
    expect(res.wrapPrompt!('意大利的首都是哪里？', '米兰')).toBe(DEMO.update2 + DEMO.retain0 + DEMO.copy1 + 'New Fact: What is the capital of Italy? 米兰\nPrompt: 意大利的首都是哪里？');
    expect(ike.edits).toBe('prompt');
    expect(ike.preEditContext!(REQ, '米兰', '意大利的首都是哪里？')).toBe('New Fact: What is the capital of Italy? 米兰\nPrompt: 意大利的首都是哪里？');
  });

  it('drops the least similar demonstrations until the context fits the model positions', async () => {
    const { ctx, tok } = setup();
    const enc = tableEncoder(ANGLES);
    const full = (await applyIke(ctx, [REQ], hp({ k: 3, bank: ZSRE }), enc)).wrapPrompt!('X?');
    const n = tok.encode(full).ids.length;
    // room for the fact line and one demonstration (48 positions are kept for the answer)
    const small = { ...ctx, model: { ...ctx.model, config: { ...ctx.model.config, maxPositions: n + 48 - 1 } } } as typeof ctx;
    const res = await applyIke(small, [REQ], hp({ k: 3, bank: ZSRE }), enc);
    const fitted = res.wrapPrompt!('X?');
    expect(tok.encode(fitted).ids.length).toBeLessThanOrEqual(n + 48 - 1 - 48);
    // the most similar demonstrations stay, in order
    expect(full.startsWith(fitted.slice(0, fitted.indexOf('New Fact: What is the capital of Italy? Milan\nPrompt: X?')))).toBe(true);
    expect(res.diagnostics.demosDroppedToFit).toBeGreaterThanOrEqual(1);
  });

  it('a ZsRE-format bank records copy/update/retain and strips the nq prefix; a held-out file is refused', () => {
    const { sources } = readDemoSources(ZSRE, 'en');
    expect(sources[1]).toEqual({ prompt: 'Who wrote Hamlet?', target: 'Goethe', rephrase: 'Hamlet was written by whom?', loc: 'to whom was the letter sent', locAns: 'Paul' });
    expect(readDemoSources(ZSRE, 'en', 0, 'Q:{} A:').sources[0].prompt).toBe('Q:Which river flows through Vienna? A:');
    const test = path.join(tmp, 'mzsre_test_duplicate_enzh.json');
    writeFileSync(test, JSON.stringify(RECORDS));
    expect(() => readDemoSources(test, 'en')).toThrow(/training data/);
    expect(() => hp({ bankTemplate: 'Q: A:' })).toThrow(HparamError);
  });

  it('embeds the bank once: the second build reads the cache; another encoder or limit does not', async () => {
    const cacheDir = path.join(tmp, 'cache');
    const enc = tableEncoder(ANGLES);
    const first = await buildBank({ source: ZSRE, lang: 'en', limit: 0, encoder: enc, cacheDir });
    expect(first.fromCache).toBe(false);
    expect(enc.texts).toBe(9);
    const second = await buildBank({ source: ZSRE, lang: 'en', limit: 0, encoder: enc, cacheDir });
    expect(second.fromCache).toBe(true);
    expect(enc.texts).toBe(9);
    expect(second.embeddings).toEqual(first.embeddings);
    const other = hashEncoder();
    expect((await buildBank({ source: ZSRE, lang: 'en', limit: 0, encoder: other, cacheDir })).fromCache).toBe(false);
    expect((await buildBank({ source: ZSRE, lang: 'en', limit: 2, encoder: other, cacheDir })).fromCache).toBe(false);
    expect((await buildBank({ source: ZSRE, lang: 'en', limit: 2, encoder: other, cacheDir })).fromCache).toBe(true);
    // through apply: a fresh process-level bank for a new model object still finds the disk cache
    const a = setup({ cacheDir });
    const log = a.ctx.logged.info;
    await applyIke(a.ctx, [REQ], hp({ k: 1, bank: ZSRE }), enc);
    expect(enc.texts).toBe(10); // the query only
    expect(log.at(-1)).toMatch(/bank of 9 demonstrations \(copy 3, update 3, retain 3\).*cached embeddings/);
  });

  it.skipIf(!existsSync(TRAIN))('a bank from the mzsre training pairs records copy demonstrations only, per language', async () => {
    const enc = hashEncoder();
    const { ctx } = setup({ dataDir: path.join(SHARED, 'data') });
    const res = await applyIke(ctx, [REQ], hp({ k: 4, bankLimit: 30 }), enc);
    expect(res.diagnostics.bankSource).toBe(TRAIN);
    expect(res.diagnostics.bankKinds).toBe('{"copy":30,"update":0,"retain":0}');
    expect(res.diagnostics.demos).toBe(4);
    const en = await buildBank({ source: TRAIN, lang: 'en', limit: 3, encoder: enc });
    expect(en.demos[0]).toEqual({ kind: 'copy', text: 'New Fact: What is the native language of Christiane Cohendy? German\nPrompt: What is the native language of Christiane Cohendy? German\n\n' });
    const zh = await buildBank({ source: TRAIN, lang: 'zh', limit: 3, encoder: enc, template: 'Q:{} A:' });
    expect(zh.demos[0].text.startsWith('New Fact: Q:Christiane Cohendy的母语是什么？ A: 德语\nPrompt: Q:Christiane Cohendy的母语是什么？ A: 德语\n\n')).toBe(true);
    expect(zh.kinds).toEqual({ copy: 3, update: 0, retain: 0 });
    await expect(applyIke(ctx, [REQ, { ...REQ, lang: 'zh' }], hp({ bankLimit: 3 }), enc)).rejects.toThrow(/share a language/);
  });
});

describe('ike encoders', () => {
  it('the default backbone encoder is the mean of the last hidden states over real tokens, unit norm; its id names the weights', async () => {
    const { model, tok, ctx } = setup();
    const texts = ['What is the capital of Italy? Milan', 'Who wrote Hamlet?', 'Rhine'];
    const enc = backboneEncoder(model, tok, { batchSize: 2 });
    const got = await enc.encode(texts);
    const d = model.config.hiddenSize;
    for (let i = 0; i < texts.length; i++) {
      const ids = tok.encode(texts[i]).ids;
      const hTensor = tidy(() => model.forward(tensor(Int32Array.from(ids), [1, ids.length], { dtype: 'i32' }), { stopAfterLayer: model.config.numLayers - 1 }).hidden);
      const h = await host(hTensor);
      hTensor.dispose();
      const mean = Array.from({ length: d }, (_, j) => ids.reduce((s, _, p) => s + h[p * d + j], 0) / ids.length);
      const n = Math.hypot(...mean);
      for (let j = 0; j < d; j++) expect(Math.abs(got[i * d + j] - mean[j] / n)).toBeLessThan(1e-6);
    }
    const fp = await backboneFingerprint(model);
    const other = tinyLlama({ vocabSize: tok.vocabSize, seed: 2 });
    expect(await backboneFingerprint(other)).not.toBe(fp);
    expect(await backboneFingerprint(tinyLlama({ vocabSize: tok.vocabSize, seed: 1 }))).toBe(fp);
    // applied without an encoder, the bank is embedded with the backbone
    const res = await ike.apply(ctx, [REQ], hp({ k: 2, bank: ZSRE }));
    expect(res.diagnostics.encoder).toBe(`backbone:tiny-test:${fp.slice(0, 24)}`);
    expect(res.diagnostics.demos).toBe(2);
  });

  it('encoderDir retrieves with a BERT sentence encoder', async () => {
    const dir = path.join(tmp, 'bert');
    await writeTinyBert(dir, { seed: 4, extraWords: ['vienna', 'lies', 'on', 'which', 'flows', 'through', 'has', 'milan', 'italy', 'lyon', 'rhine', 'goethe'] });
    const { ctx } = setup();
    const res = await ike.apply(ctx, [REQ], hp({ k: 3, bank: ZSRE, encoderDir: dir }));
    const bert = await BertEncoder.load(dir, { backend: cpuBackend() });
    expect(res.diagnostics.encoder).toBe(bert.id);
    const bank = await bert.encode(Object.values(DEMO).sort((a, b) => order(a) - order(b)));
    const q = await bert.encode([QUERY]);
    const want = topKCosine(bank, bert.dim, q, 3).map((h) => Object.values(DEMO).sort((a, b) => order(a) - order(b))[h.index]);
    expect(res.wrapPrompt!('X?')).toBe(want.join('') + 'New Fact: What is the capital of Italy? Milan\nPrompt: X?');
    bert.dispose();
  });
});

/** Bank order: record by record, copy/update/retain. */
function order(text: string): number {
  const keys = ['copy0', 'update0', 'retain0', 'copy1', 'update1', 'retain1', 'copy2', 'update2', 'retain2'] as const;
  return keys.findIndex((k) => DEMO[k] === text);
}

const webgpu: Backend | null = await maybeWebGpu();

describe.skipIf(!webgpu)('ike encoders across backends', () => {
  it('the BERT encoder and the backbone encoder give the same embeddings on CPU and WebGPU', async () => {
    const dir = path.join(tmp, 'bert-x');
    await writeTinyBert(dir, { seed: 9 });
    const a = await BertEncoder.load(dir, { backend: cpuBackend() });
    const b = await BertEncoder.load(dir, { backend: webgpu! });
    const texts = Object.values(DEMO);
    const worst = (x: Float32Array, y: Float32Array) => x.reduce((m, v, i) => Math.max(m, Math.abs(v - y[i])), 0);
    expect(worst(await a.encode(texts), await b.encode(texts))).toBeLessThan(2e-6);
    a.dispose();
    b.dispose();
    const { model, tok } = setup();
    const gpuModel = await copyModel(model, webgpu!);
    const ec = backboneEncoder(model, tok, { batchSize: 4 });
    const eg = backboneEncoder(gpuModel, tok, { batchSize: 4 });
    expect(worst(await ec.encode(texts), await eg.encode(texts))).toBeLessThan(2e-6);
    expect(await backboneFingerprint(gpuModel)).toBe(await backboneFingerprint(model));
    gpuModel.dispose();
  });
});
