import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { add, applyDeltas, defineMethod, fill, type Backbone, type EditMethod } from '@crossedit/core';
import { aggregateRecords, metricColumns, readResults } from '@crossedit/eval';
import { readCellMeta } from './cell.js';
import { defaultDataset, type GridConfig } from './grid.config.js';
import { randomLlamaBackbone, stringsOf } from './random-backbone.js';
import { reportMarkdown, reportText, scoreTable } from './report.js';
import { COMMITTED_TRAINING_SCALE, runGrid, trainingScaleInfo, type CellId } from './run.js';

const dataset = defaultDataset();
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tmp = () => {
  const d = mkdtempSync(path.join(tmpdir(), 'ce-grid-'));
  dirs.push(d);
  return d;
};

/** Calls of `apply` per method id, to see which edits a (resumed) run really makes. */
const applies: Record<string, number> = {};

/** Shifts one MLP matrix by a small constant that depends on the targets (weights change, restore undoes it). */
const nudge: EditMethod<{ size: number }> = defineMethod({
  id: 'nudge',
  description: 'test method: weight shift',
  hparams: { size: { default: 0.5, doc: 'shift' } },
  requires: () => ({ gradients: false }),
  supports: { batch: true, sequential: true },
  async apply(ctx, requests, h) {
    applies.nudge = (applies.nudge ?? 0) + 1;
    const ref = { kind: 'mlp.down', layer: 0 } as const;
    const w = ctx.model.weight(ref);
    const delta = fill(w.shape, h.size * 0.01 * requests.reduce((n, r) => n + r.target.length, 0), { backend: ctx.backend });
    const restore = applyDeltas(ctx.model, [{ ref, delta }], add);
    return { deltas: [{ ref, delta }], diagnostics: { n: requests.length }, restore: async () => (await restore(), delta.dispose()) };
  },
});

/** Puts the new fact in front of every question (IKE's path: no weight change, a prompt wrapper). */
const prefix: EditMethod<{ template: string }> = defineMethod({
  id: 'prefix',
  description: 'test method: in-context fact',
  hparams: { template: { default: 'New Fact: {p} {t}\nPrompt: ', doc: 'context' } },
  requires: () => ({ gradients: false }),
  supports: { batch: false, sequential: false },
  async apply(_ctx, requests, h) {
    applies.prefix = (applies.prefix ?? 0) + 1;
    const ctx = h.template.replace('{p}', requests[0].prompt).replace('{t}', requests[0].target);
    return { deltas: [], wrapPrompt: (q) => ctx + q, diagnostics: {}, restore: async () => undefined };
  },
});

/** A random 2-layer LLaMA over the first records' vocabulary; counts model loads. */
function backbone(loads: { n: number }): Backbone {
  const records = (JSON.parse(readFileSync(dataset, 'utf8')) as unknown[]).slice(0, 3);
  const texts = stringsOf(records);
  const bb = randomLlamaBackbone({ id: 'rand', texts, arch: { hiddenSize: 16, intermediateSize: 32, numLayers: 2, numHeads: 2, numKvHeads: 2, maxPositions: 256 }, seed: 3 });
  return { ...bb, loadModel: (src, o) => ((loads.n += 1), bb.loadModel(src, o)) };
}

function config(outDir: string, bb: Backbone, methods: GridConfig['methods'] = [{ plugin: nudge }, { plugin: prefix, label: 'Prefix' }]): GridConfig {
  return {
    name: 'test grid',
    dataset,
    backbones: [{ plugin: bb }],
    methods,
    sourceLangs: ['en', 'zh'],
    limit: 3,
    scorer: 'correct',
    schedule: 'single',
    backend: 'cpu',
    outDir,
    f1Tokenizer: 'backbone',
    verifyRestore: true,
  };
}

const quiet = { progress: false, fsync: false, log: () => undefined };

describe.skipIf(!existsSync(dataset))('cross-lingual grid', () => {
  it('runs 2 methods × 1 backbone × En→/Zh→ on 3 records into per-cell results and a paper-layout report; a killed grid resumes', async () => {
    const loads = { n: 0 };
    const bb = backbone(loads);

    // an uninterrupted run, for reference
    const full = tmp();
    const ref = await runGrid(config(full, bb), quiet);
    expect(applies).toEqual({ nudge: 6, prefix: 6 });
    expect(loads.n).toBe(1);

    // rows: method × source language, En→ block then Zh→ block; columns in the paper's order
    expect(ref.rows.map((r) => `${r.meta.label} ${r.meta.sourceLang}`)).toEqual(['NUDGE en', 'Prefix en', 'NUDGE zh', 'Prefix zh']);
    expect(ref.languages).toEqual(['en', 'zh']);
    const f1 = scoreTable(ref, 'rand', 'f1');
    expect(f1.head).toEqual(['Method', 'Src', 'Reli.', 'Gene. En', 'Gene. Zh', 'Loca. En', 'Loca. Zh', 'Port. En', 'Port. Zh']);
    expect(f1.body.map((r) => r.slice(0, 2))).toEqual([['NUDGE', 'En→'], ['Prefix', 'En→'], ['NUDGE', 'Zh→'], ['Prefix', 'Zh→']]);
    for (const row of f1.body) for (const v of row.slice(2)) expect(v).toMatch(/^\d+\.\d\d$/);

    // each cell: its own results folder; the report's numbers are the means of that folder's records
    for (const row of ref.rows) {
      const dir = path.join(full, 'rand', `${row.meta.method}-${row.meta.sourceLang}`);
      const res = readResults(dir);
      expect(res.records.map((r) => r.requestId)).toEqual([0, 1, 2].map((i) => `${i}:${row.meta.sourceLang}`));
      expect(res.header).toMatchObject({ method: row.meta.methodId, backbone: 'rand', sourceLang: row.meta.sourceLang, weightsHash: row.meta.weightsHash });
      const items = res.records.flatMap((r) => r.items);
      expect(items).toHaveLength(3 * 7);
      const col = metricColumns(['en', 'zh']);
      const reli = items.filter((i) => i.metric === 'reliability');
      expect(row.aggregate!.f1[0]).toBeCloseTo(reli.reduce((a, i) => a + i.f1, 0) / reli.length, 12);
      expect(row.aggregate!.em).toEqual(aggregateRecords(res.records, ['en', 'zh']).em);
      expect(row.aggregate!.columns.map((c) => c.label)).toEqual(col.map((c) => c.label));
      // per-cell metadata
      const meta = readCellMeta(dir)!;
      expect(meta.status).toBe('done');
      expect(meta.weightsHash).toMatch(/^[0-9a-f]{64}$/);
      expect(meta.hparamsHash).toMatch(/^[0-9a-f]{64}$/);
      expect(meta.versions?.['@crossedit/core']).toMatch(/^\d+\.\d+\.\d+/);
      expect(meta.versions?.node).toBe(process.version);
      expect(meta.timings.runs).toBe(1);
      expect(meta.timings.meanTotalMs).toBeGreaterThanOrEqual(0);
    }
    expect(new Set(ref.rows.map((r) => r.meta.weightsHash)).size).toBe(1);
    expect(ref.rows[0].meta.hparamsHash).not.toBe(ref.rows[1].meta.hparamsHash);
    const md = readFileSync(path.join(full, 'report.md'), 'utf8');
    expect(md).toBe(reportMarkdown({ ...ref }));
    expect(md).toContain('| Method | Src | Reli. | Gene. En | Gene. Zh | Loca. En | Loca. Zh | Port. En | Port. Zh |');
    expect(md.match(/^\| (NUDGE|Prefix) \| (En|Zh)→ \|/gm)).toHaveLength(3 * 4); // F1, EM and cell tables
    // the run has no training-scale.json of its own: Figure 3 is drawn from the committed study, and says so
    expect(ref.trainingScale).toEqual({ file: COMMITTED_TRAINING_SCALE, present: true, origin: 'committed', looked: path.join(full, 'training-scale.json') });
    expect(ref.figures?.map((f) => f.file)).toContain('figures/training-scale.svg');
    expect(readFileSync(path.join(full, 'figures/training-scale.svg'), 'utf8')).toContain('training samples');
    expect(md).toMatch(/!\[Training-scale curves \(Figure 3 layout\)[^\]]*data from the committed study docs\/grid\/training-scale\.json \(this run has no training-scale\.json/);
    expect(md).not.toContain('no data');
    expect(readFileSync(path.join(full, 'report.html'), 'utf8')).toContain('data from the committed study docs/grid/training-scale.json');
    expect(reportText(ref)).toContain('== rand — EM');

    // a grid killed during its third cell, then resumed
    for (const k of Object.keys(applies)) delete applies[k];
    const out = tmp();
    let edits = 0;
    const kill = (_c: CellId) => {
      if (++edits === 7) throw new Error('killed');
    };
    await expect(runGrid(config(out, bb), { ...quiet, onEdit: kill })).rejects.toThrow('killed');
    expect(applies).toEqual({ nudge: 6, prefix: 1 });
    expect(readCellMeta(path.join(out, 'rand', 'prefix-en'))?.status).toBe('running');
    expect(existsSync(path.join(out, 'rand', 'prefix-zh'))).toBe(false);
    const doneFile = path.join(out, 'rand', 'nudge-en', 'results.jsonl');
    const before = statSync(doneFile).mtimeMs;

    const lines: string[] = [];
    const resumed = await runGrid(config(out, bb), { ...quiet, log: (l) => lines.push(l) });
    expect(applies).toEqual({ nudge: 6, prefix: 1 + 2 + 3 }); // finished cells skipped; the cut cell resumes at its 2nd edit
    expect(lines.join('\n')).toMatch(/2 cell\(s\) already done, skipped/);
    expect(lines.join('\n')).toMatch(/prefix-en: resuming, 1 of 3 edits already done/);
    expect(statSync(doneFile).mtimeMs).toBe(before);
    expect(readCellMeta(path.join(out, 'rand', 'prefix-en'))?.timings.runs).toBe(2);
    for (const [i, row] of resumed.rows.entries()) {
      expect(row.meta.status).toBe('done');
      expect(row.aggregate!.f1).toEqual(ref.rows[i].aggregate!.f1);
      expect(row.aggregate!.em).toEqual(ref.rows[i].aggregate!.em);
    }

    // everything done: nothing is loaded or edited, the report is rebuilt from the folders
    const n = loads.n;
    const again = await runGrid(config(out, bb), quiet);
    expect(loads.n).toBe(n);
    expect(applies).toEqual({ nudge: 6, prefix: 6 });
    expect(again.rows.map((r) => r.aggregate!.f1)).toEqual(resumed.rows.map((r) => r.aggregate!.f1));
  });

  it("Figure 3's data: the file the config names, else the run's own, else the committed study, else none", () => {
    const out = tmp();
    const committed = path.join(tmp(), 'study.json');
    expect(trainingScaleInfo({ outDir: out }, committed)).toEqual({ file: path.join(out, 'training-scale.json'), present: false, origin: 'run' });
    writeFileSync(committed, '{}');
    expect(trainingScaleInfo({ outDir: out }, committed)).toEqual({ file: committed, present: true, origin: 'committed', looked: path.join(out, 'training-scale.json') });
    writeFileSync(path.join(out, 'training-scale.json'), '{}');
    expect(trainingScaleInfo({ outDir: out }, committed)).toEqual({ file: path.join(out, 'training-scale.json'), present: true, origin: 'run' });
    expect(trainingScaleInfo({ outDir: out, trainingScaleFile: path.join(out, 'gone.json') }, committed)).toEqual({ file: path.join(out, 'gone.json'), present: false, origin: 'config' });
  });

  it('builds the statistics a method needs on first use (resumable, content-addressed), and reuses them', async () => {
    const loads = { n: 0 };
    const seen: number[][] = [];
    const needsStats = defineMethod({
      ...nudge,
      id: 'stats-user',
      hparams: { ...nudge.hparams, layers: { default: [0, 1], doc: 'layers' } },
      requires: (h: { layers: number[] }) => ({ gradients: false, statsLayers: h.layers }),
      async apply(ctx, requests, h) {
        const c0 = await ctx.stats!.secondMoment(0);
        seen.push([...c0.shape]);
        c0.dispose();
        return nudge.apply(ctx, requests, { size: (h as { size: number }).size });
      },
    } as EditMethod<{ size: number; layers: number[] }>);
    const cache = tmp();
    const lines: string[] = [];
    const c = { ...config(tmp(), backbone(loads), [{ plugin: needsStats }]), cacheDir: cache, autoStats: { samples: 40 } };
    const r = await runGrid(c, { ...quiet, log: (l) => lines.push(l) });
    expect(r.rows.map((x) => x.meta.status)).toEqual(['done', 'done']);
    expect(seen).toEqual(new Array(6).fill([32, 32]));
    const built = lines.filter((l) => /built statistics of layers 0,1/.test(l));
    expect(built).toHaveLength(1); // the second cell found them
    expect(built[0]).toMatch(/40 samples/);
    const statsDir = path.join(cache, 'stats', 'rand');
    const artifacts = readdirSync(statsDir).filter((f) => /^mom2-l[01]-.*\.safetensors$/.test(f) && !f.includes('chol'));
    expect(artifacts).toHaveLength(2);
  });

  it("gives methods the backbone's checkpoint loader (EditContext.loadCheckpoint: SERAC's cfModelDir), f32 on the grid's backend", async () => {
    const sources: { modelDir?: string; dtype?: string }[] = [];
    const good = backbone({ n: 0 });
    const bb: Backbone = { ...good, loadModel: (src, o) => (sources.push({ modelDir: src.modelDir, dtype: o.dtype }), good.loadModel(src, o)) };
    const loaded: string[] = [];
    const loader = defineMethod({
      ...nudge,
      id: 'loads-checkpoint',
      async apply(ctx, requests, h) {
        if (!ctx.loadCheckpoint) throw new Error('no loadCheckpoint in the context');
        const other = await ctx.loadCheckpoint('/some/cf-model');
        loaded.push(`${other.config.numLayers} ${other.backend.name}`);
        other.dispose();
        return nudge.apply(ctx, requests, h);
      },
    } as EditMethod<{ size: number }>);
    const r = await runGrid({ ...config(tmp(), bb, [{ plugin: loader }]), sourceLangs: ['en'], limit: 2 }, quiet);
    expect(r.rows.map((x) => x.meta.status)).toEqual(['done']);
    expect(loaded).toEqual(['2 cpu', '2 cpu']);
    // the grid's own model, then one checkpoint per edit, each from the directory the method named, in f32
    expect(sources.slice(1)).toEqual([
      { modelDir: '/some/cf-model', dtype: 'f32' },
      { modelDir: '/some/cf-model', dtype: 'f32' },
    ]);
  });

  it('falls back, with a note, when a backbone resolves but cannot load', async () => {
    const loads = { n: 0 };
    const good = backbone(loads);
    const broken: Backbone = { ...good, id: 'broken', loadModel: async () => Promise.reject(new Error('no checkpoint in this directory')) };
    const c = { ...config(tmp(), good, [{ plugin: nudge }]), backbones: [{ plugin: broken, fallback: () => good }], sourceLangs: ['en'] };
    const r = await runGrid(c, quiet);
    expect(loads.n).toBe(1);
    expect(r.rows.map((x) => `${x.meta.backbone} ${x.meta.status}`)).toEqual(['rand done']);
    expect(r.notes.join('\n')).toMatch(/backbone 'broken' could not be loaded \(no checkpoint in this directory\); ran on 'rand'/);
  });

  it('--dtype f16 stores the matrices in f16 and records it in cell.json and the results header (restore verified)', async () => {
    const bb = backbone({ n: 0 });
    const out = tmp();
    const r = await runGrid({ ...config(out, bb, [{ plugin: nudge }]), sourceLangs: ['en'], limit: 1, dtype: 'f16' }, quiet);
    expect(r.rows.map((x) => `${x.meta.status} ${x.meta.dtype}`)).toEqual(['done f16-widened']);
    const dir = path.join(out, 'rand', 'nudge-en');
    expect(readCellMeta(dir)?.dtype).toBe('f16-widened');
    const res = readResults(dir);
    expect(res.header.weightDtype).toBe('f16-widened');
    expect(res.records.every((x) => !x.error)).toBe(true);
  });
});
