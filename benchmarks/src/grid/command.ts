/**
 * `pnpm bench grid`: runs (or resumes) the cross-lingual grid and writes the report (md, json, html, SVG
 * figures); `pnpm bench grid merge DIR…` joins shard folders into one report.
 *
 *   pnpm bench grid [--config FILE] [--dataset FILE] [--out DIR] [--records N|all] [--ids 0-9,15] [--methods ft,rome]
 *     [--backbone ID [--model-dir DIR]] [--langs en,zh|all|en,de,fr] [--source-langs en] [--shard i/n]
 *     [--backend auto|cpu|webgpu] [--dtype auto|f32|f16] [--scorer correct|bizsre-2023] [--schedule single|batch:N|sequential:N]
 *     [--stats-dir DIR] [--f1-tokenizer FILE|backbone] [--training-scale FILE] [--verify-restore] [--quiet]
 *     [--jobs N|auto]   (N worker processes on this machine: shards i/N merged into --out, see jobs.ts)
 */
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { parseBackendKind } from '@crossedit/cli';
import { WEIGHT_DTYPE_REQUESTS, type WeightDTypeRequest } from '@crossedit/core';
import { parseIdList, type ScorerMode } from '@crossedit/eval';
import { defaultGridConfig, randomFallback, type GridBackboneSpec, type GridConfig, type GridMethodSpec } from './grid.config.js';
import { mergeGrid } from './merge.js';
import { MZSRE_LANGS } from './mzsre.js';
import { reportText } from './report.js';
import { JOB_ENV, runJobs, tellParent } from './jobs.js';
import { runGrid } from './run.js';
import { parseShard } from './shard.js';

const USAGE = `usage: pnpm bench grid [--config FILE] [--dataset FILE] [--out DIR] [--records N|all] [--ids LIST] [--methods a,b]
  [--backbone ID [--model-dir DIR]] [--backbones tiny,random] [--langs en,zh|all|en,de,…] [--source-langs en,…]
  [--shard i/n] [--backend auto|cpu|webgpu] [--dtype auto|f32|f16] [--scorer correct|bizsre-2023]
  [--schedule single|batch:N|sequential:N] [--stats-dir DIR] [--f1-tokenizer FILE|backbone] [--training-scale FILE]
  [--verify-restore] [--quiet] [--jobs N|auto]
       pnpm bench grid merge DIR... [--out DIR]`;

/** Loads a config module: its default export is a `GridConfig` or a function returning one. */
export async function loadGridConfig(file: string): Promise<GridConfig> {
  const mod = (await import(pathToFileURL(path.resolve(file)).href)) as { default?: GridConfig | (() => GridConfig | Promise<GridConfig>) };
  const d = mod.default;
  const c = typeof d === 'function' ? await d() : d;
  if (!c || typeof c !== 'object' || !Array.isArray(c.methods) || !Array.isArray(c.backbones)) {
    throw new Error(`${file}: the default export must be a grid config (or a function returning one), with methods and backbones`);
  }
  return c;
}

const list = (v: unknown) => String(v).split(',').map((s) => s.trim()).filter(Boolean);

/** Applies command-line overrides to a config. */
export function applyGridArgs(base: GridConfig, v: Record<string, string | boolean | undefined>): GridConfig {
  const c: GridConfig = { ...base };
  if (v.out) c.outDir = String(v.out);
  if (v.dataset) c.dataset = path.resolve(String(v.dataset));
  const records = v.records ?? v.limit;
  if (records !== undefined) {
    if (records === 'all') delete c.limit;
    else {
      const n = Number(records);
      if (!(Number.isInteger(n) && n > 0)) throw new Error(`--records must be a positive integer or 'all' (got '${records}')`);
      c.limit = n;
    }
  }
  if (v.ids) c.ids = parseIdList(String(v.ids));
  if (v.langs) {
    const langs = String(v.langs) === 'all' ? [...MZSRE_LANGS] : list(v.langs);
    // en,zh is the Bi-ZsRE file itself (the paper's tables); any other set joins the MzsRE files
    if (langs.join(',') === 'en,zh' || langs.join(',') === 'zh,en') delete c.langs;
    else c.langs = langs;
    c.sourceLangs = langs;
  }
  if (v['source-langs']) c.sourceLangs = list(v['source-langs']);
  if (v.shard) c.shard = parseShard(String(v.shard));
  if (v['training-scale']) c.trainingScaleFile = String(v['training-scale']);
  if (v.backend) c.backend = parseBackendKind(String(v.backend));
  if (v.dtype) {
    if (!(WEIGHT_DTYPE_REQUESTS as readonly string[]).includes(String(v.dtype))) throw new Error(`--dtype must be one of ${WEIGHT_DTYPE_REQUESTS.join(', ')} (got '${v.dtype}')`);
    c.dtype = String(v.dtype) as WeightDTypeRequest;
  }
  if (v.scorer) c.scorer = String(v.scorer) as ScorerMode;
  if (v.schedule) c.schedule = String(v.schedule);
  if (v['stats-dir']) c.statsDir = String(v['stats-dir']);
  if (v['f1-tokenizer']) c.f1Tokenizer = String(v['f1-tokenizer']);
  if (v['verify-restore']) c.verifyRestore = true;
  if (v.methods) {
    // keep a configured spec (with its hparams) when its name or plugin id is asked for
    const specs = c.methods.map((m) => (typeof m === 'string' ? { plugin: m } : m) as GridMethodSpec);
    c.methods = list(v.methods).map((id) => specs.find((s) => s.name === id || s.plugin === id || (typeof s.plugin === 'object' && s.plugin.id === id)) ?? id);
  }
  if (v.backbone) v.backbones = v.backbone;
  if (v['model-dir'] && !v.backbones) throw new Error('--model-dir needs --backbone ID (the plugin that reads it, e.g. chinese-llama2)');
  if (v.backbones) {
    const specs = c.backbones.map((b) => (typeof b === 'string' ? { plugin: b } : b) as GridBackboneSpec);
    c.backbones = list(v.backbones).map((id) =>
      id === 'random' ? { plugin: randomFallback(c.dataset) } : (specs.find((s) => s.plugin === id) ?? id),
    );
    if (v['model-dir']) {
      if (c.backbones.length !== 1) throw new Error('--model-dir goes with exactly one --backbone');
      const b = c.backbones[0];
      c.backbones = [{ ...(typeof b === 'string' ? { plugin: b } : b), modelDir: String(v['model-dir']) }];
      c.name = `Bi-ZsRE cross-lingual grid (${list(v.backbones)[0]})`;
    }
  }
  return c;
}

/** Entry point: parses `argv` (without the benchmark name), runs the grid, prints the report. */
export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  if (argv[0] === 'merge') return mergeMain(argv.slice(1));
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string' },
      dataset: { type: 'string' },
      out: { type: 'string' },
      limit: { type: 'string' },
      records: { type: 'string' },
      backbone: { type: 'string' },
      'model-dir': { type: 'string' },
      'source-langs': { type: 'string' },
      shard: { type: 'string' },
      'training-scale': { type: 'string' },
      ids: { type: 'string' },
      methods: { type: 'string' },
      backbones: { type: 'string' },
      langs: { type: 'string' },
      backend: { type: 'string' },
      dtype: { type: 'string' },
      scorer: { type: 'string' },
      schedule: { type: 'string' },
      'stats-dir': { type: 'string' },
      'f1-tokenizer': { type: 'string' },
      'verify-restore': { type: 'boolean' },
      quiet: { type: 'boolean' },
      jobs: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const base = values.config ? await loadGridConfig(values.config) : defaultGridConfig();
  const config = applyGridArgs(base, values);
  const t0 = performance.now();
  const jobs = values.jobs === undefined ? 1 : values.jobs === 'auto' ? availableParallelism() : Number(values.jobs);
  if (!(Number.isInteger(jobs) && jobs >= 1)) throw new Error(`--jobs must be a positive integer or 'auto' (got '${values.jobs}')`);
  if (jobs > 1 && config.shard) throw new Error('--jobs splits the grid into shards itself: give --jobs or --shard, not both');
  const report =
    jobs > 1
      ? await runJobs(argv, config.outDir, jobs, { progress: !values.quiet })
      : await runGrid(config, {
          progress: !values.quiet && !process.env[JOB_ENV],
          onPlan: (pending) => tellParent({ type: 'plan', pending }),
          onEdit: (cell, done, total) => tellParent({ type: 'edit', cell: `${cell.method}-${cell.sourceLang}`, done, total }),
        });
  process.stdout.write(`\n${reportText(report)}`);
  const out = path.resolve(config.outDir);
  const cells = jobs > 1 ? `${out}/jobs/<i>-of-${jobs}/<backbone>/<method>-<src>/` : `${out}/<backbone>/<method>-<src>/`;
  process.stdout.write(`\nreport: ${path.join(out, 'report.html')} (and report.md, report.json, figures/); cells: ${cells} (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
}

/** `grid merge DIR… [--out DIR]`: joins shard folders into one report. */
async function mergeMain(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { out: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help || !positionals.length) {
    console.log('usage: pnpm bench grid merge DIR... [--out DIR]   (DIR: the results folders of --shard i/n runs)');
    if (!positionals.length && !values.help) throw new Error('grid merge: give the shard results folders to merge');
    return;
  }
  const outDir = path.resolve(values.out ?? path.join(path.dirname(path.resolve(positionals[0])), 'merged'));
  const report = await mergeGrid(positionals, { outDir });
  process.stdout.write(`${reportText(report)}\nmerged report: ${path.join(outDir, 'report.html')} (and report.md, report.json, figures/)\n`);
}
