import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { add, applyDeltas, argmax, ConfigurationError, defineMethod, fill, Rng, setBackend, tensor, tidy, type EditMethod, type EditRequest, type ModelConfig } from '@crossedit/core';
import { createCpuBackend } from '@crossedit/cpu';
import { LlamaModel, randomWeights, weightsHash } from '@crossedit/transformer';
import { loadBiZsre } from '../data/bizsre.js';
import { biZsreCase } from '../data/cases.js';
import { selectSubset } from '../data/subset.js';
import { readResults } from '../results/reader.js';
import { ResultsWriter } from '../results/writer.js';
import { scoringRules } from '../scorers/mode.js';
import { tokenizeForF1 } from '../scorers/f1.js';
import { sharedDir } from '../testing/shared.js';
import { PieceTokenizer } from '@crossedit/testing/fixtures';
import { preEditCache, runEval, UnsupportedScheduleError, type EvalRunOptions } from './run.js';
import { parseSchedule } from './schedule.js';

const backend = createCpuBackend();
setBackend(backend);
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A trivial method: shifts one MLP matrix by a constant that depends on the target's length. */
const nudge: EditMethod<{ size: number }> = defineMethod({
  id: 'nudge',
  description: 'test method',
  hparams: { size: { default: 0.05, doc: 'shift' } },
  requires: () => ({ gradients: false }),
  supports: { batch: true, sequential: true },
  async apply(ctx, requests, h) {
    const w = ctx.model.weight({ kind: 'mlp.down', layer: 0 });
    const delta = fill(w.shape, h.size * 0.01 * requests.reduce((n, r) => n + r.target.length, 0), { backend: ctx.backend });
    const restore = applyDeltas(ctx.model, [{ ref: { kind: 'mlp.down', layer: 0 }, delta }], add);
    return { deltas: [{ ref: { kind: 'mlp.down', layer: 0 }, delta }], diagnostics: { n: requests.length }, restore: async () => (await restore(), delta.dispose()) };
  },
});

function setup() {
  const ds = loadBiZsre(path.join(sharedDir(), 'data/bizsre/mzsre_test_duplicate_enzh.json'));
  const records = selectSubset(ds.records, { limit: 20 });
  const tok = new PieceTokenizer();
  const cases = (['en', 'zh'] as const).flatMap((src) => records.map((r) => biZsreCase(r, ds.languages, src)));
  // assign ids to every string the evaluation will tokenize, then size the model's vocabulary
  for (const c of cases) for (const it of c.items) tok.encode(`${it.prompt} ${it.target}`);
  const config: ModelConfig = { vocabSize: tok.vocabSize, hiddenSize: 16, intermediateSize: 32, numLayers: 2, numHeads: 2, numKvHeads: 2, rmsNormEps: 1e-6, ropeBase: 10000, maxPositions: 512 };
  const model = new LlamaModel(config, randomWeights(config, { seed: 3, backend }));
  return { ds, tok, cases, model, config };
}

async function run(dir: string, s: ReturnType<typeof setup>, stopAfter?: number, extra: Partial<EvalRunOptions<{ size: number }>> = {}) {
  const header = { method: 'nudge', backbone: 'test', sourceLang: 'en+zh', dataset: s.ds.name, hparams: { size: 0.05 }, scorerMode: 'correct' as const, created: '2026-01-01T00:00:00Z', evalLangs: [...s.ds.languages], schedule: 'single' };
  const writer = await ResultsWriter.open(dir, header, { fsync: false });
  let tick = 0;
  try {
    return await runEval({
      model: s.model,
      tokenizer: s.tok,
      backbone: { id: 'test', config: s.config },
      method: nudge,
      hparams: { size: 0.05 },
      cases: s.cases,
      schedule: parseSchedule('single'),
      rules: scoringRules('correct'),
      f1Tokenize: tokenizeForF1(s.tok),
      writer,
      context: { rng: new Rng(0), log: { info() {}, warn() {} } },
      weightsHash: () => weightsHash(s.model),
      clock: () => tick++,
      onProgress: (done) => {
        if (stopAfter !== undefined && done === stopAfter) throw new Error('killed');
      },
      ...extra,
    });
  } finally {
    await writer.close();
  }
}

describe('runEval', () => {
  it('edits, evaluates and restores 20 records in both source languages, and a killed run resumes to the same file', async () => {
    const s = setup();
    const hash0 = await weightsHash(s.model);
    const full = mkdtempSync(path.join(tmpdir(), 'ce-run-'));
    const resumed = mkdtempSync(path.join(tmpdir(), 'ce-run-'));
    dirs.push(full, resumed);
    const table = await run(full, s);
    expect(table.edits).toBe(40);
    expect(table.failed).toBe(0);
    expect(table.counts).toEqual([40, 40, 40, 40, 40, 40, 40]);
    // a random model rarely agrees with the targets, but locality of a tiny nudge is mostly preserved
    expect(table.tokenAcc[3]).toBeGreaterThan(0.5);
    expect(table.tokenAcc[3]).toBeLessThanOrEqual(1);
    expect(await weightsHash(s.model)).toBe(hash0);

    await expect(run(resumed, s, 17)).rejects.toThrow('killed');
    const partial = await readResults(resumed);
    expect(partial.records.length).toBe(17);
    await run(resumed, s);
    for (const f of ['results.jsonl', 'results.binpb']) {
      expect(readFileSync(path.join(resumed, f)).equals(readFileSync(path.join(full, f)))).toBe(true);
    }
    const back = await readResults(resumed);
    expect(back.records.map((r) => r.requestId)).toEqual(s.cases.map((c) => c.request.id));
    expect(back.aggregate.f1).toEqual(table.f1);
  });

  it('a shared pre-edit cache gives the same records without running the unedited model again, and reports the pre-edit pass', async () => {
    const s = setup();
    const cache = preEditCache();
    let forwards = 0;
    const counted = new Proxy(s.model, {
      get: (t, k) => (k === 'forward' ? (...a: Parameters<typeof t.forward>) => (forwards++, t.forward(...a)) : typeof Reflect.get(t, k) === 'function' ? Reflect.get(t, k).bind(t) : Reflect.get(t, k)),
    });
    const [a, b, c] = [0, 1, 2].map(() => mkdtempSync(path.join(tmpdir(), 'ce-run-')));
    dirs.push(a, b, c);
    const pre: [number, number][] = [];
    await run(a, { ...s, model: counted }, undefined, { onPreEdit: (ms, n) => pre.push([ms, n]) });
    const first = forwards;
    expect(pre).toEqual([[1, 40]]);
    await run(b, { ...s, model: counted }, undefined, { preEditCache: cache });
    const filled = forwards - first;
    expect(cache.size).toBeGreaterThan(40);
    await run(c, { ...s, model: counted }, undefined, { preEditCache: cache });
    // the cached run skips the pre-edit forward passes, and its records are byte for byte the same
    expect(forwards - first - filled).toBeLessThan(filled);
    for (const d of [b, c]) for (const f of ['results.jsonl', 'results.binpb']) expect(readFileSync(path.join(d, f)).equals(readFileSync(path.join(a, f)))).toBe(true);
  });

  it('refuses a schedule the method does not declare, before any edit', async () => {
    const s = setup();
    let applied = 0;
    const single = defineMethod({ ...nudge, id: 'single-only', supports: { batch: false, sequential: false }, apply: (ctx, r, h) => (applied++, nudge.apply(ctx, r, h)) });
    const dir = mkdtempSync(path.join(tmpdir(), 'ce-run-'));
    dirs.push(dir);
    await expect(run(dir, s, undefined, { method: single, schedule: parseSchedule('batch:4') })).rejects.toThrow(UnsupportedScheduleError);
    await expect(run(dir, s, undefined, { method: single, schedule: parseSchedule('sequential:2') })).rejects.toThrow(/does not support sequential edits/);
    expect(applied).toBe(0);
  });

  it('stops on a configuration error (any ConfigurationError subclass) instead of recording a failed edit', async () => {
    const s = setup();
    class PluginOwnError extends ConfigurationError {
      override name = 'PluginOwnError';
    }
    const broken = defineMethod({ ...nudge, id: 'broken', apply: async () => { throw new PluginOwnError('no artifact'); } });
    const dir = mkdtempSync(path.join(tmpdir(), 'ce-run-'));
    dirs.push(dir);
    await expect(run(dir, s, undefined, { method: broken, cases: s.cases.slice(0, 2) })).rejects.toThrow('no artifact');
    expect((await readResults(dir)).records.length).toBe(0);
    // a plain error is one failed edit, recorded, and the run goes on
    const flaky = defineMethod({ ...nudge, id: 'flaky', apply: async () => { throw new Error('diverged'); } });
    const dir2 = mkdtempSync(path.join(tmpdir(), 'ce-run-'));
    dirs.push(dir2);
    const table = await run(dir2, s, undefined, { method: flaky, cases: s.cases.slice(0, 2) });
    expect(table.failed).toBe(2);
  });

  it("bizsre-2023 reads a prompt edit in the paper's icl_lm_eval layout: the item language's fact, no truncation, the answer at the end", async () => {
    const ds = loadBiZsre(path.join(sharedDir(), 'data/bizsre/mzsre_test_duplicate_enzh.json'));
    const records = selectSubset(ds.records, { limit: 3 });
    const cases = records.map((r) => biZsreCase(r, ds.languages, 'en', { mode: 'bizsre-2023', edits: 'prompt' }));
    const demos = (r: EditRequest) => Array.from({ length: 6 }, () => `New Fact: ${r.prompt} ${r.target}\nPrompt: ${r.prompt} ${r.target}\n\n`).join('');
    const fact = (r: EditRequest, f: string, q: string) => `New Fact: ${r.prompt} ${f}\nPrompt: ${q}`;
    const icl = defineMethod({
      ...nudge,
      id: 'icl',
      edits: 'prompt',
      preEditContext: (r: EditRequest, f: string, q: string) => fact(r, f, q),
      async apply(_ctx, requests) {
        const r = requests[0];
        return { deltas: [], diagnostics: {}, restore: async () => {}, wrapPrompt: (q: string, f?: string) => demos(r) + fact(r, f ?? r.target, q) };
      },
    });
    // every sequence the reference would run, built here from strings
    const tok = new PieceTokenizer();
    const expected = cases.map((c) =>
      c.items.map((it) => {
        const f = it.factTarget!;
        const post = `${demos(c.request) + fact(c.request, f, it.prompt)} ${it.target}`;
        const pre = `${it.kind === 'rephrase' || it.kind === 'locality' ? fact(c.request, f, it.prompt) : it.prompt} ${it.target}`;
        return { post: tok.encode(post).ids, pre: tok.encode(pre).ids, t: tok.encode(it.target).ids.length - 1 };
      }),
    );
    const config: ModelConfig = { vocabSize: tok.vocabSize, hiddenSize: 16, intermediateSize: 32, numLayers: 2, numHeads: 2, numKvHeads: 2, rmsNormEps: 1e-6, ropeBase: 10000, maxPositions: 1024 };
    const model = new LlamaModel(config, randomWeights(config, { seed: 5, backend }));
    const answerAtEnd = async (ids: number[], t: number) => {
      const am = tidy(() => argmax(model.forward(tensor(Int32Array.from(ids), [1, ids.length], { dtype: 'i32' })).logits!, -1));
      const row = Array.from(await am.data());
      am.dispose();
      return row.slice(ids.length - 1 - t, ids.length - 1);
    };
    const dir = mkdtempSync(path.join(tmpdir(), 'ce-run-'));
    dirs.push(dir);
    const header = { method: 'icl', backbone: 'test', sourceLang: 'en', dataset: ds.name, hparams: { size: 0.05 }, scorerMode: 'bizsre-2023' as const, created: '2026-01-01T00:00:00Z', evalLangs: [...ds.languages], schedule: 'single' };
    const writer = await ResultsWriter.open(dir, header, { fsync: false });
    try {
      await runEval({ model, tokenizer: tok, backbone: { id: 'test', config }, method: icl, hparams: { size: 0.05 }, cases, schedule: parseSchedule('single'), rules: scoringRules('bizsre-2023'), f1Tokenize: tokenizeForF1(tok), writer, context: { rng: new Rng(0), log: { info() {}, warn() {} } } });
    } finally {
      await writer.close();
    }
    const back = readResults(dir).records;
    expect(back).toHaveLength(3);
    for (const [ci, rec] of back.entries()) {
      for (const [ii, item] of rec.items.entries()) {
        const e = expected[ci][ii];
        expect(e.post.length).toBeGreaterThan(30);
        expect(item.predictions, `${rec.requestId} ${item.metric}`).toEqual(await answerAtEnd(e.post, e.t));
        expect(item.prePredictions, `${rec.requestId} ${item.metric} pre`).toEqual(await answerAtEnd(e.pre, e.t));
      }
      // an English edit scored on the Chinese rephrase states the Chinese answer in its fact line
      const zh = cases[ci].items.find((i) => i.metric === 'generality.zh')!;
      expect(zh.factTarget).toBe(records[ci].sides.zh.alt);
    }
    model.dispose();
  });

  it("the fact target reaches a prompt edit's wrapper only under bizsre-*: correct mode keeps the source-language fact", async () => {
    const s = setup();
    const seen: (string | undefined)[] = [];
    const wrapper = defineMethod({
      ...nudge,
      id: 'wrapper',
      edits: 'prompt',
      async apply(_ctx, requests) {
        return { deltas: [], diagnostics: {}, restore: async () => {}, wrapPrompt: (q: string, f?: string) => (seen.push(f), `${requests[0].prompt} ${q}`) };
      },
    });
    const cases = s.cases.slice(0, 1);
    const dir = mkdtempSync(path.join(tmpdir(), 'ce-run-'));
    dirs.push(dir);
    await run(dir, s, undefined, { method: wrapper, cases });
    expect(seen.length).toBeGreaterThanOrEqual(cases[0].items.length);
    expect(seen.every((f) => f === undefined)).toBe(true);
    seen.length = 0;
    const dir2 = mkdtempSync(path.join(tmpdir(), 'ce-run-'));
    dirs.push(dir2);
    await run(dir2, s, undefined, { method: wrapper, cases, rules: scoringRules('bizsre-2023') });
    // every wrapped item states its own language's answer: the en and the zh alt
    expect(new Set(seen)).toEqual(new Set(cases[0].items.map((it) => it.factTarget)));
    expect(new Set(seen).size).toBe(2);
  });

  it('composes the prompt wrappers of a sequential group, the last edit outermost', async () => {
    const s = setup();
    const seen: string[] = [];
    const wrapper = defineMethod({
      ...nudge,
      id: 'wrapper',
      edits: 'prompt',
      async apply(_ctx, requests) {
        return { deltas: [], diagnostics: {}, restore: async () => {}, wrapPrompt: (q: string) => (seen.push(q), `${requests[0].prompt} ${q}`) };
      },
    });
    const dir = mkdtempSync(path.join(tmpdir(), 'ce-run-'));
    dirs.push(dir);
    const cases = s.cases.slice(0, 2);
    await run(dir, s, undefined, { method: wrapper, cases, schedule: parseSchedule('sequential:2') });
    const first = cases[0].items[0].prompt;
    // the second edit's wrapper received the first edit's wrapped prompt
    expect(seen).toContain(`${cases[0].request.prompt} ${first}`);
  });

  it('a record too long for the model is recorded as failed with record, field and lengths, and the run goes on', async () => {
    const s = setup();
    const cases = s.cases.slice(0, 6).map((c) => ({ ...c, items: [...c.items] }));
    // record 3's Chinese locality question, repeated past the model's 512 positions (known tokens only)
    const k = cases[3].items.findIndex((it) => it.metric === 'locality.zh');
    cases[3].items[k] = { ...cases[3].items[k], prompt: Array(80).fill(cases[3].items[k].prompt).join(' ') };
    const dir = mkdtempSync(path.join(tmpdir(), 'ce-run-'));
    dirs.push(dir);
    const warned: string[] = [];
    const table = await run(dir, s, undefined, { cases, context: { rng: new Rng(0), log: { info() {}, warn: (m) => warned.push(m) } } });
    expect(table.edits).toBe(6);
    expect(table.failed).toBe(1);
    const back = await readResults(dir);
    const bad = back.records.find((r) => r.requestId === cases[3].request.id)!;
    expect(bad.items).toEqual([]);
    expect(bad.error).toMatch(/^UnscorableRecord: record 3, field zh\.loc \(locality\.zh\): \d+ tokens exceed maxPositions 512 \(question \d+ tokens, answer \d+\)$/);
    expect(warned.join('\n')).toContain('3:en cannot be scored: record 3, field zh.loc');
    expect(back.records.filter((r) => !r.error)).toHaveLength(5);
  });

  it("a method's prompt context that pushes a question past the positions fails that record only, after the edit", async () => {
    const s = setup();
    const long = Array(120).fill(s.cases[0].items[0].prompt).join(' ');
    const wrapper = defineMethod({
      ...nudge,
      id: 'context',
      edits: 'prompt',
      async apply(_ctx, requests) {
        const wrap = requests[0].id === s.cases[2].request.id ? (q: string) => `${long} ${q}` : (q: string) => q;
        return { deltas: [], diagnostics: { demos: 1 }, restore: async () => {}, wrapPrompt: wrap };
      },
    });
    const dir = mkdtempSync(path.join(tmpdir(), 'ce-run-'));
    dirs.push(dir);
    const table = await run(dir, s, undefined, { method: wrapper, cases: s.cases.slice(0, 4) });
    expect(table.failed).toBe(1);
    const bad = (await readResults(dir)).records.find((r) => r.error)!;
    expect(bad.requestId).toBe(s.cases[2].request.id);
    expect(bad.error).toMatch(/^UnscorableRecord: record 2, field en\.src \(reliability\): \d+ tokens exceed maxPositions 512 \(question \d+ tokens, answer \d+, the rest the method's context\)$/);
    expect(bad.diagnostics).toEqual({ demos: 1 });
  });
});
