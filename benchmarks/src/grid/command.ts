/**
 * `pnpm bench grid`: runs (or resumes) the cross-lingual grid and prints the report.
 *
 *   pnpm bench grid [--config FILE] [--out DIR] [--limit N] [--ids 0-9,15] [--methods ft,rome]
 *     [--backbones tiny,random] [--langs en,zh] [--backend auto|cpu|webgpu] [--scorer correct|bizsre-2023]
 *     [--schedule single|batch:N|sequential:N] [--stats-dir DIR] [--f1-tokenizer FILE|backbone] [--verify-restore]
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { parseBackendKind } from '@crossedit/cli';
import { parseIdList, type ScorerMode } from '@crossedit/eval';
import { defaultGridConfig, randomFallback, type GridBackboneSpec, type GridConfig, type GridMethodSpec } from './grid.config.js';
import { reportText } from './report.js';
import { runGrid } from './run.js';

const USAGE = `usage: pnpm bench grid [--config FILE] [--out DIR] [--limit N] [--ids LIST] [--methods a,b] [--backbones tiny,random]
  [--langs en,zh] [--backend auto|cpu|webgpu] [--scorer correct|bizsre-2023] [--schedule single|batch:N|sequential:N]
  [--stats-dir DIR] [--f1-tokenizer FILE|backbone] [--verify-restore] [--quiet]`;

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
  if (v.limit !== undefined) {
    const n = Number(v.limit);
    if (!(Number.isInteger(n) && n > 0)) throw new Error(`--limit must be a positive integer (got '${v.limit}')`);
    c.limit = n;
  }
  if (v.ids) c.ids = parseIdList(String(v.ids));
  if (v.langs) c.sourceLangs = list(v.langs);
  if (v.backend) c.backend = parseBackendKind(String(v.backend));
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
  if (v.backbones) {
    const specs = c.backbones.map((b) => (typeof b === 'string' ? { plugin: b } : b) as GridBackboneSpec);
    c.backbones = list(v.backbones).map((id) =>
      id === 'random' ? { plugin: randomFallback(c.dataset) } : (specs.find((s) => s.plugin === id) ?? id),
    );
  }
  return c;
}

/** Entry point: parses `argv` (without the benchmark name), runs the grid, prints the report. */
export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string' },
      out: { type: 'string' },
      limit: { type: 'string' },
      ids: { type: 'string' },
      methods: { type: 'string' },
      backbones: { type: 'string' },
      langs: { type: 'string' },
      backend: { type: 'string' },
      scorer: { type: 'string' },
      schedule: { type: 'string' },
      'stats-dir': { type: 'string' },
      'f1-tokenizer': { type: 'string' },
      'verify-restore': { type: 'boolean' },
      quiet: { type: 'boolean' },
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
  const report = await runGrid(config, { progress: !values.quiet });
  process.stdout.write(`\n${reportText(report)}`);
  const out = path.resolve(config.outDir);
  process.stdout.write(`\nreport: ${path.join(out, 'report.md')} (and report.json); cells: ${out}/<backbone>/<method>-<src>/ (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
}
