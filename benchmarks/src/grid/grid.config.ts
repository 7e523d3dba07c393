/**
 * The cross-lingual grid's configuration: methods × backbones × source languages over one dataset,
 * with the record subset, scorer mode, schedule and backend. `defaultGridConfig()` is what
 * `pnpm bench grid` runs: the embedded tiny backbone (a random LLaMA over the dataset's vocabulary while
 * `@crossedit/backbone-tiny` is not usable), FT, KN, IKE, ROME and MEMIT (skipped unless a statistics
 * directory is configured), the first 10 Bi-ZsRE en–zh records, edits in English and in Chinese.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Backbone, EditMethod, WeightDTypeRequest } from '@crossedit/core';
import type { BackendKind } from '@crossedit/cli';
import type { ScorerMode } from '@crossedit/eval';
import type { AutoStatsSpec } from './auto-stats.js';
import { jsonStrings, randomLlamaBackbone } from './random-backbone.js';
import type { ShardSpec } from './shard.js';

/** The repository root (this file is `benchmarks/src/grid/grid.config.ts`). */
export const repoRoot: string = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** The shared data folder: `$CROSSEDIT_SHARED`, else `../shared` beside the repository. */
export function sharedDir(): string {
  return path.resolve(process.env.CROSSEDIT_SHARED ?? path.join(repoRoot, '../shared'));
}

/** A backbone of the grid. */
export interface GridBackboneSpec {
  /** A plugin id (`tiny`, `chinese-llama2`), a module path, or a `Backbone` object. */
  plugin: string | Backbone;
  /** Local model directory (real backbones). */
  modelDir?: string;
  /** Tokenizer file overriding the model directory's. */
  tokenizer?: string;
  /** Used, with a note in the report, when `plugin` cannot be loaded (e.g. a plugin still being built). */
  fallback?: () => Backbone;
}

/** A method of the grid. */
export interface GridMethodSpec {
  /** A plugin id (`rome`), a module path, or an `EditMethod` object. */
  plugin: string | EditMethod<any>;
  /** Name of the results folder and the report row (default: the method's id). */
  name?: string;
  /** Display label in the tables (default: the name in upper case, e.g. `ROME`). */
  label?: string;
  /** Hyperparameter overrides (over the schema defaults and the backbone presets). */
  hparams?: Record<string, unknown>;
}

/** The whole grid. */
export interface GridConfig {
  /** A title for the report. */
  name: string;
  /** A Bi-ZsRE / MzsRE test file (or ZsRE-format, for one language). */
  dataset: string;
  backbones: readonly (string | GridBackboneSpec)[];
  methods: readonly (string | GridMethodSpec)[];
  /** Languages of the edits, in row order (`['en', 'zh']`: the En→ and Zh→ rows). */
  sourceLangs: readonly string[];
  /** The first N records (default all). */
  limit?: number;
  /** Record indices instead of a prefix (e.g. from `parseIdList('0-9,15')`). */
  ids?: readonly number[];
  scorer: ScorerMode;
  /** `single`, `batch:N` or `sequential:N`. */
  schedule: string;
  backend: BackendKind;
  /**
   * Storage dtype of the weight matrices (`--dtype`; default `auto`: f16 for half-precision checkpoints on
   * a GPU with `shader-f16`, f32 otherwise). Recorded per cell (`cell.json` dtype, results header).
   */
  dtype?: WeightDTypeRequest;
  /** Results root: cells go to `<outDir>/<backbone>/<method>-<src>/`, the report to `<outDir>/report.md`. */
  outDir: string;
  /** MEMIT's second-moment statistics; methods that need statistics are skipped when unset. */
  statsDir?: string;
  /** Caches (context templates, IKE banks). */
  cacheDir?: string;
  /** Training data root for IKE banks (default `<shared>/data`). */
  dataDir?: string;
  /** Tokenizer file for F1 (default Chinese-LLaMA-Plus from the shared folder), or `'backbone'`. */
  f1Tokenizer?: string;
  /** Seed of each cell's method rng (default 0). */
  seed?: number;
  /** Hash the weights after every restore and stop a cell whose method does not restore exactly. */
  verifyRestore?: boolean;
  /**
   * A many-language grid over MzsRE: the evaluation languages (each a `mzsre_test_duplicate_en<xx>.json`
   * in `mzsreDir`); every edit is scored in each of them. Unset: the two languages of `dataset`.
   */
  langs?: readonly string[];
  /** MzsRE's folder (default `<shared>/data/mzsre`). */
  mzsreDir?: string;
  /** Run one shard of the cells × records only (see `shard.ts`). */
  shard?: ShardSpec;
  /** The training-scale data of Figure 3 (default `<outDir>/training-scale.json`). */
  trainingScaleFile?: string;
  /** The corpus of the statistics built on first use when `statsDir` is unset. */
  autoStats?: AutoStatsSpec;
}

/**
 * Identity helper that type-checks a grid config (for `--config my.grid.ts` files that default-export one).
 * @example
 * export default defineGrid({ ...defaultGridConfig(), methods: ['rome'], limit: 50 });
 */
export function defineGrid(c: GridConfig): GridConfig {
  return c;
}

/** The default Bi-ZsRE en–zh test file. */
export function defaultDataset(): string {
  return path.join(sharedDir(), 'data/bizsre/mzsre_test_duplicate_enzh.json');
}

/** The default F1 tokenizer file, when the shared folder has it. */
export function defaultF1Tokenizer(): string | undefined {
  const p = path.join(sharedDir(), 'tokenizers/chinese-llama-plus-7b/tokenizer.model');
  return existsSync(p) ? p : undefined;
}

/**
 * The stand-in for the tiny backbone: a random LLaMA whose vocabulary is the pieces of the dataset's first
 * 50 records (about 1,600; the whole en–zh file has 8,400, which makes every logit row five times dearer),
 * so grids of up to 50 records see no unknown token, and the weights do not change with `limit`.
 */
export function randomFallback(dataset: string): Backbone {
  return randomLlamaBackbone({ id: 'random-llama', texts: jsonStrings(dataset, 50) });
}

/**
 * Every editing method the grid knows, in the paper's row order. A method whose plugin is not installed
 * (SERAC and MEND until their plugins land) is listed as skipped with the reason; one that needs a
 * trained artifact runs when the artifact exists and otherwise fails with the method's message, which
 * names the command that trains it. MEMIT's statistics are built on first use (see `auto-stats.ts`).
 */
export function allMethods(): GridMethodSpec[] {
  return [
    { plugin: 'ft' },
    { plugin: 'serac' },
    // a smaller demonstration bank than the paper's (2000) keeps the default grid quick
    { plugin: 'ike', hparams: { bankLimit: 200 } },
    { plugin: 'mend' },
    { plugin: 'kn' },
    { plugin: 'rome' },
    { plugin: 'memit' },
  ];
}

/** Records per edit language of the default grid: sized to finish in about five minutes on 2 cores (README). */
export const DEFAULT_RECORDS = 16;

/**
 * The default grid (the README's main command): the embedded tiny backbone (random-LLaMA fallback), every
 * method ({@link allMethods}), the first {@link DEFAULT_RECORDS} Bi-ZsRE en–zh records, En→ and Zh→,
 * `correct` scoring, `single` schedule, `auto` backend (cpu-f32 without a GPU), results in `<repo>/out/grid`.
 */
export function defaultGridConfig(): GridConfig {
  const dataset = defaultDataset();
  return {
    name: 'Bi-ZsRE cross-lingual grid (embedded tiny backbone)',
    dataset,
    backbones: [{ plugin: 'tiny', fallback: () => randomFallback(dataset) }],
    methods: allMethods(),
    sourceLangs: ['en', 'zh'],
    limit: DEFAULT_RECORDS,
    scorer: 'correct',
    schedule: 'single',
    // `auto`: the f32 WebAssembly-SIMD CPU backend for a model this small on a machine without a GPU
    // (about 3x the float64 reference's speed, which stays the oracle; a real GPU adapter is taken when present)
    backend: 'auto',
    outDir: path.join(repoRoot, 'out/grid'),
    f1Tokenizer: defaultF1Tokenizer(),
    seed: 0,
  };
}

export default defaultGridConfig;
