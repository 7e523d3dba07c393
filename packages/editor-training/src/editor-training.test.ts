import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FormatError } from '@crossedit/core';
import { artifactFile, BatchOrder, trainLoop, type EditorTrainer, trainingScalePoints, combineData, dataHash, loadEditorData, locateArtifact, writeArtifact, writeTrainingScale, ArtifactMismatchError, MissingArtifactError, type ArtifactHeader } from './index.js';

const rec = (i: number) => ({ subject: `S${i}`, src: `What is S${i}?`, rephrase: `Tell me S${i}`, alt: `A${i}`, answers: [`B${i}`], loc: `nq question: q${i}`, loc_ans: `l${i}` });

async function tmp(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'editor-training-'));
}

describe('training data', () => {
  it('reads ZsRE-format records, holds out the last ones, applies the train limit and records what it used', async () => {
    const dir = await tmp();
    const f = join(dir, 'train.json');
    await writeFile(f, JSON.stringify(Array.from({ length: 10 }, (_, i) => rec(i))));
    const d = loadEditorData(f, { lang: 'en', limit: 3, validation: 2 });
    expect(d.train.map((e) => e.prompt)).toEqual(['What is S0?', 'What is S1?', 'What is S2?']);
    expect(d.validation.map((e) => e.index)).toEqual([8, 9]);
    expect(d.train[0]).toMatchObject({ target: 'A0', rephrase: 'Tell me S0', loc: 'nq question: q0', locAns: 'l0' });
    expect(d.source).toMatchObject({ file: 'train.json', lang: 'en', format: 'zsre', limit: 3, used: 3, validation: 2 });
    expect(d.source.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('a malformed record is an error naming the file, the record index and the field, before anything is used', async () => {
    const dir = await tmp();
    const f = join(dir, 'bad.json');
    const records: Record<string, unknown>[] = Array.from({ length: 6 }, (_, i) => rec(i));
    delete records[4].loc_ans;
    await writeFile(f, JSON.stringify(records));
    expect(() => loadEditorData(f, { lang: 'en' })).toThrow(FormatError);
    expect(() => loadEditorData(f, { lang: 'en' })).toThrow(/bad\.json.*record 4, field "loc_ans"/s);
    records[4].loc_ans = 'x';
    records[2].src = 7;
    await writeFile(f, JSON.stringify(records));
    expect(() => loadEditorData(f, { lang: 'en', limit: 1 })).toThrow(/record 2, field "src": expected a non-empty string, got a number/);
  });

  it('pairs files take their locality inputs from other training questions', async () => {
    const dir = await tmp();
    const f = join(dir, 'zsre_mend_train_zh_8.txt');
    await writeFile(f, Array.from({ length: 8 }, (_, i) => `问题${i}？\t答案${i}`).join('\n') + '\n');
    const d = loadEditorData(f, { lang: 'zh', validation: 2 });
    expect(d.source.format).toBe('pairs');
    expect(d.train).toHaveLength(6);
    for (const e of [...d.train, ...d.validation]) {
      expect(e.loc).not.toBe(e.prompt);
      expect(e.loc).toMatch(/^问题\d？$/);
      expect(e.rephrase).toBeUndefined();
    }
    expect(d.train[0]).toMatchObject({ prompt: '问题0？', target: '答案0', loc: '问题4？', locAns: '答案4' });
    await writeFile(f, '问题\t答\t多\n');
    expect(() => loadEditorData(f, { lang: 'zh' })).toThrow(/line 1: expected "question<TAB>answer", got 2 tabs/);
  });

  it('combined sources interleave, so every prefix mixes the languages', async () => {
    const dir = await tmp();
    const a = join(dir, 'a.json');
    const b = join(dir, 'zsre_mend_train_zh_6.txt');
    await writeFile(a, JSON.stringify(Array.from({ length: 6 }, (_, i) => rec(i))));
    await writeFile(b, Array.from({ length: 6 }, (_, i) => `问${i}\t答${i}`).join('\n'));
    const c = combineData([loadEditorData(a, { lang: 'en', validation: 1 }), loadEditorData(b, { lang: 'zh', validation: 1 })]);
    expect(c.train.slice(0, 4).map((e) => e.lang)).toEqual(['en', 'zh', 'en', 'zh']);
    expect(c.sources.map((s) => s.lang)).toEqual(['en', 'zh']);
    expect(dataHash(c.sources)).not.toBe(dataHash([c.sources[0]]));
  });
});

describe('batch order', () => {
  it('is a seeded permutation per epoch, the same for the same seed', () => {
    const o = new BatchOrder(5, 2, 3);
    const epoch = [...o.batch(0), ...o.batch(1), o.batch(2)[0]];
    expect([...epoch].sort()).toEqual([0, 1, 2, 3, 4]);
    expect(new BatchOrder(5, 2, 3).batch(7)).toEqual(o.batch(7));
    expect(new BatchOrder(50, 5, 4).batch(0)).not.toEqual(new BatchOrder(50, 5, 3).batch(0));
  });
});

describe('artifacts', () => {
  const header = (over: Partial<ArtifactHeader> = {}): ArtifactHeader => ({
    method: 'mend',
    backbone: 'tiny',
    weightsHash: 'a'.repeat(64),
    dataHash: 'd'.repeat(64),
    data: [{ file: 'x.json', sha256: 'e'.repeat(64), lang: 'en', format: 'zsre', limit: 100, used: 100, validation: 10 }],
    langs: ['en'],
    hparams: { arch: { rank: 4 } },
    codeVersion: 'mend@1',
    training: { seconds: 1 },
    ...over,
  });
  const tensors = { w: { dtype: 'F32' as const, shape: [2], data: Float32Array.from([1, 2]) } };

  it('are content-addressed by their key and found only for the right weights, language and code version', async () => {
    const dir = await tmp();
    const p = await writeArtifact(dir, header(), tensors);
    expect(p).toBe(artifactFile(dir, header()));
    expect(artifactFile(dir, header({ hparams: { arch: { rank: 5 } } }))).not.toBe(p);
    const opts = { method: 'mend', weightsHash: 'a'.repeat(64), lang: 'en', codeVersion: 'mend@1', dirs: [dir], command: { backbone: 'tiny' } };
    expect((await locateArtifact(opts)).path).toBe(p);
    const missing = locateArtifact({ ...opts, weightsHash: 'b'.repeat(64) });
    await expect(missing).rejects.toThrow(MissingArtifactError);
    await expect(locateArtifact({ ...opts, weightsHash: 'b'.repeat(64) })).rejects.toThrow(/crossedit train-editor --method mend --backbone tiny --data <ZSRE_TRAIN_JSON> --lang en/);
    await expect(locateArtifact({ ...opts, weightsHash: 'b'.repeat(64) })).rejects.toThrow(/trained for backbone weights aaaaaaaaaaaa/);
    await expect(locateArtifact({ ...opts, lang: 'zh' })).rejects.toThrow(/training data is in en, the edit is in zh/);
    await expect(locateArtifact({ ...opts, path: p, codeVersion: 'mend@2' })).rejects.toThrow(ArtifactMismatchError);
    await expect(locateArtifact({ ...opts, path: join(dir, 'nope.safetensors') })).rejects.toThrow(ArtifactMismatchError);
  });

  it('the training-scale file lists its points and sizes', async () => {
    const dir = await tmp();
    const f = join(dir, 'scale.json');
    const out = writeTrainingScale(f, [{ method: 'mend', backbone: 'tiny', sourceLang: 'en', trainSamples: 100, metric: 'reliability', evalLang: 'en', score: 'f1', value: 12.5 }]);
    expect(existsSync(f)).toBe(true);
    expect(out.format).toBe('crossedit.training-scale/1');
    expect(out.sizes).toEqual([100, 500, 1000, 3000, 5000, null]);
    const table = { columns: [{ family: 'reliability' }, { family: 'locality', lang: 'zh' }], f1: [0.5, null], em: [0.25, 1], tokenAcc: [0.125, 0.9] };
    const pts = trainingScalePoints(table, { method: 'serac', backbone: 'tiny', sourceLang: 'en', trainSamples: 500 });
    expect(pts.map((p) => [p.metric, p.evalLang, p.score, p.value])).toEqual([
      ['reliability', 'en', 'f1', 50],
      ['reliability', 'en', 'em', 25],
      ['reliability', 'en', 'tokenAcc', 12.5],
      ['locality', 'zh', 'em', 100],
      ['locality', 'zh', 'tokenAcc', 90],
    ]);
  });
});

describe('the training loop', () => {
  it('sees an abort signalled from a macrotask (a SIGINT handler) at the next iteration, even when iterations never yield', async () => {
    // iterations that compute for 3 ms and resolve without yielding (microtasks only), as the CPU backends' do
    const busy = () => {
      const t = performance.now();
      while (performance.now() - t < 3);
    };
    const trainer: EditorTrainer = {
      iteration: async () => (busy(), { loss: 1, edit: 1, loc: 0, grads: [] }),
      update: () => undefined,
      validate: async () => ({ editAcc: 0, locAcc: 0 }),
      saveState: async () => ({}),
      loadState: () => undefined,
      exportParams: async () => ({}),
    };
    const ac = new AbortController();
    let seen = 0;
    const r = await trainLoop({
      runDir: await tmp(),
      config: { seed: 1, maxIters: 1000, batchSize: 1, accumulate: 1000, gradClip: 1, valEvery: 0, valCount: 0, patience: 0, checkpointEvery: 1000 },
      train: Array.from({ length: 4 }, (_, index) => ({ index, lang: 'en', prompt: `p${index}`, target: 't', rephrase: undefined, loc: 'l', locAns: 'a' })),
      validation: [],
      trainer,
      signal: ac.signal,
      onProgress: (p) => {
        seen = p.iter;
        // the signal comes in while the loop runs (like Ctrl-C), from a timer
        if (p.iter === 1) setTimeout(() => ac.abort(), 0);
        if (p.iter > 20) throw new Error(`the abort was not seen after ${p.iter} iterations`);
      },
    });
    expect(r.finished).toBe(false);
    expect(r.params).toBeNull();
    expect(seen).toBeGreaterThanOrEqual(1);
    expect(seen).toBeLessThanOrEqual(2);
    expect(r.state.iter).toBe(seen);
  });
});
