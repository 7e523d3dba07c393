/**
 * Runs the grid: for each backbone (loaded once, only when one of its cells has work left), each method
 * and each source language, the edit → evaluate → restore loop of `@crossedit/eval`'s `runEval` writes
 * the cell's records into `<outDir>/<backbone>/<method>-<src>/`. A cell whose `cell.json` says done for
 * the same inputs is skipped; a cell cut short (killed run, failed cell) resumes from its records. At the
 * end one report is made from every cell of the config and written as `report.md` and `report.json`.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { availableParallelism, hostname } from 'node:os';
import path from 'node:path';
import { parseHparams, Rng, setBackend, weightDTypeLabel, type Backbone, type Backend, type EditMethod, type EditSurface, type LanguageModel, type Tokenizer, type WeightDTypeRequest } from '@crossedit/core';
import { createBackend, loadCases, ProgressBar, resolveBackbone, resolveMethod } from '@crossedit/cli';
import {
  parseSchedule,
  preEditCache,
  readResults,
  ResultsWriter,
  runEval,
  scheduleGroups,
  scheduleName,
  scoringRules,
  tokenizeForF1,
  type EditCase,
  type EditRecord,
  type PreEditCache,
  type Schedule,
} from '@crossedit/eval';
import { openStats, weightsHash as statsWeightsHash } from '@crossedit/stats';
import { ensureStats, defaultStatsDir } from './auto-stats.js';
import { gridFingerprint, writeGridManifest } from './manifest.js';
import { loadMzsre, mzsreCases, type MzsreDataset } from './mzsre.js';
import { shardOfUnit, shardLabel } from './shard.js';
import { paperAggregate, transferRow } from './transfer.js';
import { writeReportFiles } from './report-files.js';
import { loadTokenizer } from '@crossedit/tokenizers';
import { weightsHash } from '@crossedit/transformer';
import { readCellMeta, writeCellMeta, type CellMeta } from './cell.js';
import { gridTiming, recordTimings } from './timing.js';
import { repoRoot, sharedDir, type GridBackboneSpec, type GridConfig, type GridMethodSpec } from './grid.config.js';
import { cellVersions, hashJson } from './meta.js';
import type { GridReport, GridRow, GridRunInfo, TrainingScaleSource } from './report.js';

/** Identifies a cell to callbacks. */
export interface CellId {
  backbone: string;
  method: string;
  sourceLang: string;
}

/** Options of {@link runGrid}. */
export interface RunGridOptions {
  /** Info and warning lines (default: stderr). */
  log?: (line: string) => void;
  /** Progress bars on stderr (default true). */
  progress?: boolean;
  /** Called after each finished edit; an error thrown here stops the whole grid (as a kill would). */
  onEdit?: (cell: CellId, done: number, total: number) => void;
  /** fsync every results write (default true; tests turn it off). */
  fsync?: boolean;
  /** Write `report.md`, `report.json`, `report.html` and the figures into the output folder (default true). */
  writeReport?: boolean;
  /** Called once per backbone after planning, with the edits of the cells that will run (resumed cells: all of theirs). */
  onPlan?: (edits: number) => void;
  /** Processes of the report's parallel projection (default: the machine's CPUs, `os.availableParallelism()`). */
  projectJobs?: number;
}

/** A method spec with its plugin loaded, or the reason it could not be. */
interface LoadedMethod {
  spec: GridMethodSpec;
  method?: EditMethod<Record<string, unknown>>;
  name: string;
  label: string;
  error?: string;
}

/** A cell being planned or run. */
interface Cell {
  id: CellId;
  dir: string;
  m: LoadedMethod;
  cases: EditCase[];
  /** Evaluation languages of the dataset (table columns). */
  languages: string[];
  meta: CellMeta;
  aggregate?: GridRow['aggregate'];
  transfer?: GridRow['transfer'];
}

const asBackboneSpec = (b: string | GridBackboneSpec): GridBackboneSpec => (typeof b === 'string' ? { plugin: b } : b);
const asMethodSpec = (m: string | GridMethodSpec): GridMethodSpec => (typeof m === 'string' ? { plugin: m } : m);
const message = (e: unknown) => (e instanceof Error ? `${e.name === 'Error' ? '' : `${e.name}: `}${e.message}` : String(e));

async function loadMethod(spec: GridMethodSpec): Promise<LoadedMethod> {
  const refName = typeof spec.plugin === 'string' ? spec.plugin : spec.plugin.id;
  try {
    const method = typeof spec.plugin === 'string' ? await resolveMethod(spec.plugin) : (spec.plugin as EditMethod<Record<string, unknown>>);
    const name = spec.name ?? method.id;
    return { spec, method, name, label: spec.label ?? name.toUpperCase() };
  } catch (e) {
    const name = spec.name ?? refName.replace(/^.*[/\\]/, '').replace(/\.[mc]?[jt]s$/, '');
    return { spec, name, label: spec.label ?? name.toUpperCase(), error: `method plugin not usable: ${message(e)}` };
  }
}

async function loadBackbone(spec: GridBackboneSpec, notes: string[]): Promise<{ backbone?: Backbone; error?: string; name: string; fellBack: boolean }> {
  const name = typeof spec.plugin === 'string' ? spec.plugin : spec.plugin.id;
  try {
    return { backbone: typeof spec.plugin === 'string' ? await resolveBackbone(spec.plugin) : spec.plugin, name, fellBack: false };
  } catch (e) {
    if (!spec.fallback) return { error: `backbone '${name}' not usable: ${message(e)}`, name, fellBack: false };
    const backbone = spec.fallback();
    notes.push(`backbone '${name}' is not usable yet (${message(e).split('\n')[0]}); ran on '${backbone.id}' (${backbone.description}) instead`);
    return { backbone, name, fellBack: true };
  }
}

/** Why a method cannot run in this grid (or undefined). */
function skipReason(method: EditMethod<Record<string, unknown>>, hparams: Record<string, unknown> | undefined, _config: GridConfig, schedule: Schedule): string | undefined {
  try {
    // the backbone's presets are not known yet; the schema defaults and the cell's values must parse
    method.requires(parseHparams(method.id, method.hparams, hparams));
  } catch (e) {
    return message(e);
  }
  if (schedule.kind === 'batch' && !method.supports.batch) return `does not support the ${scheduleName(schedule)} schedule`;
  if (schedule.kind === 'sequential' && !method.supports.sequential) return `does not support the ${scheduleName(schedule)} schedule`;
  return undefined;
}

/**
 * Aggregate, transfer row and record timings over the records of `cases` only (a cell may hold more
 * records from a larger earlier limit), in the order of `cases` (so sums do not depend on run order).
 */
export function summarizeRecords(all: readonly EditRecord[], cases: readonly EditCase[], langs: readonly string[], sourceLang: string): { aggregate: GridRow['aggregate']; transfer: GridRow['transfer']; records: EditRecord[] } {
  const byId = new Map(all.map((r) => [r.requestId, r]));
  const mine = cases.map((c) => byId.get(c.request.id)).filter((r): r is EditRecord => !!r);
  return { aggregate: paperAggregate(mine, langs, sourceLang), transfer: transferRow(mine, langs), records: mine };
}

function summarize(dir: string, cases: readonly EditCase[], langs: readonly string[], sourceLang: string) {
  return summarizeRecords(readResults(dir).records, cases, langs, sourceLang);
}

/** The cases of one source language: Bi-ZsRE's file, or the joined MzsRE languages of `config.langs`. */
export function gridCases(config: GridConfig, src: string, edits: EditSurface | undefined, mz?: MzsreDataset): { cases: EditCase[]; languages: string[]; name: string; sha256: string } {
  const sel = { limit: config.limit, ids: config.ids ? [...config.ids] : undefined, mode: config.scorer, ...(edits ? { edits } : {}) };
  if (mz) return { cases: mzsreCases(mz, src, sel), languages: [...mz.languages], name: mz.name, sha256: mz.sha256 };
  return loadCases(config.dataset, src, sel);
}

/** The MzsRE dataset of a many-language config (undefined for a Bi-ZsRE one). */
export function gridMzsre(config: GridConfig): MzsreDataset | undefined {
  return config.langs ? loadMzsre(config.mzsreDir ?? path.join(sharedDir(), 'data/mzsre'), config.langs) : undefined;
}

/** A shard's share of a cell's cases: whole schedule groups, dealt round-robin over the grid's cells × groups. */
function shardCases(cases: EditCase[], schedule: Schedule, cellOrdinal: number, config: GridConfig): EditCase[] {
  if (!config.shard) return cases;
  const groups = scheduleGroups(cases, schedule);
  const { index, count } = config.shard;
  return groups.filter((_, g) => shardOfUnit(cellOrdinal * groups.length + g, count) === index).flat();
}

/** Loads a backbone's model and tokenizer and hashes the weights. */
async function openBackbone(backbone: Backbone, bspec: GridBackboneSpec, backend: Backend, opts: RunGridOptions & { dtype?: WeightDTypeRequest }): Promise<{ model: LanguageModel; tokenizer: Tokenizer; loadMs: number; wHash: string; dtype: string }> {
  const t0 = performance.now();
  const src = { modelDir: bspec.modelDir, tokenizerPath: bspec.tokenizer };
  const bar = opts.progress === false ? undefined : new ProgressBar(`loading ${backbone.id}`, 1);
  let reason: string | undefined;
  const model = await backbone.loadModel(src, { backend, dtype: opts.dtype, onDType: (c) => (reason = c.reason), onProgress: (d, t) => bar && ((bar.total = t), bar.update(d)) });
  try {
    bar?.finish();
    const tokenizer = await backbone.createTokenizer(src);
    const loadMs = performance.now() - t0;
    const dtype = weightDTypeLabel(model);
    if (opts.dtype === 'f16' && dtype === 'f32') throw new Error(`--dtype f16: the '${backbone.id}' backbone loaded its weights in f32 (it does not support --dtype)`);
    opts.log?.(`${backbone.id}: weights ${dtype}${reason ? ` — ${reason}` : ''}`);
    return { model, tokenizer, loadMs, wHash: await weightsHash(model), dtype };
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/**
 * The cells of one backbone, in method × source-language order: skipped (with the reason), done (a
 * `cell.json` saying done for the same key; its aggregate read back), or `running` (work left).
 */
function planCells(bbIndex: number, bbId: string, bspec: GridBackboneSpec, bbError: string | undefined, methods: readonly LoadedMethod[], config: GridConfig, schedule: Schedule, f1Id: string, log: (l: string) => void, mz: MzsreDataset | undefined): Cell[] {
  const outDir = path.resolve(config.outDir);
  const cells: Cell[] = [];
  for (const [mIndex, m] of methods.entries()) {
    for (const [sIndex, src] of config.sourceLangs.entries()) {
      const dir = path.join(outDir, bbId, `${m.name}-${src}`);
      const id: CellId = { backbone: bbId, method: m.name, sourceLang: src };
      const all = gridCases(config, src, m.method?.edits, mz);
      const ordinal = (bbIndex * methods.length + mIndex) * config.sourceLangs.length + sIndex;
      const loaded = { ...all, cases: shardCases(all.cases, schedule, ordinal, config) };
      const key = hashJson({
        backbone: { id: bbId, modelDir: bspec.modelDir ?? null, tokenizer: bspec.tokenizer ?? null },
        method: m.method?.id ?? m.name,
        hparams: m.spec.hparams ?? {},
        dataset: loaded.sha256,
        requests: loaded.cases.map((c) => c.request.id),
        scorer: config.scorer,
        // an explicit --dtype keys the cell (auto stays out: keys of earlier runs remain valid)
        ...(config.dtype && config.dtype !== 'auto' ? { dtype: config.dtype } : {}),
        schedule: scheduleName(schedule),
        f1: f1Id,
        stats: config.statsDir ?? null,
        ...(config.shard ? { shard: shardLabel(config.shard) } : {}),
      });
      const prev = readCellMeta(dir);
      const same = prev?.key === key ? prev : undefined;
      const meta: CellMeta = {
        ...same,
        backbone: bbId,
        method: m.name,
        methodId: m.method?.id ?? m.name,
        label: m.label,
        sourceLang: src,
        status: 'running',
        key,
        dataset: loaded.name,
        datasetSha256: loaded.sha256,
        requests: loaded.cases.length,
        scorer: config.scorer,
        ...(config.shard ? { shard: shardLabel(config.shard) } : {}),
        timings: same?.timings ?? { wallMs: 0, runs: 0 },
      };
      delete meta.note;
      const cell: Cell = { id, dir, m, cases: loaded.cases, languages: loaded.languages, meta };
      const reason = bbError ?? m.error ?? (m.method ? skipReason(m.method, m.spec.hparams, config, schedule) : undefined);
      if (reason) {
        cell.meta = { ...meta, status: 'skipped', note: reason };
      } else if (same?.status === 'done') {
        try {
          const sum = summarize(dir, loaded.cases, loaded.languages, src);
          cell.aggregate = sum.aggregate;
          cell.transfer = sum.transfer;
          cell.meta = same;
        } catch (e) {
          log(`${dir}: cell.json says done but its results cannot be read (${message(e)}); running it again`);
        }
      }
      cells.push(cell);
    }
  }
  return cells;
}

/**
 * Runs (or resumes) every cell of the grid and returns the report; also writes `report.md` and
 * `report.json` into `config.outDir` unless `writeReport` is false.
 * @example
 * const report = await runGrid({ ...defaultGridConfig(), methods: ['rome'], limit: 5 });
 * process.stdout.write(reportText(report));
 */
export async function runGrid(config: GridConfig, opts: RunGridOptions = {}): Promise<GridReport> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const outDir = path.resolve(config.outDir);
  const schedule = parseSchedule(config.schedule);
  const notes: string[] = [];
  const rows: GridRow[] = [];
  const backend: Backend = await createBackend(config.backend, log);
  setBackend(backend);
  let f1Shared: Tokenizer | undefined;
  let f1Id = 'backbone';
  if (config.f1Tokenizer && config.f1Tokenizer !== 'backbone') {
    f1Shared = await loadTokenizer(config.f1Tokenizer);
    f1Id = path.basename(path.dirname(config.f1Tokenizer));
  } else if (config.f1Tokenizer === undefined) notes.push("no F1 tokenizer configured; F1 is computed on each backbone's own tokens");
  const mz = gridMzsre(config);
  const probe = gridCases(config, config.sourceLangs[0], undefined, mz);
  const dataset = { name: probe.name, sha256: probe.sha256, languages: probe.languages, records: probe.cases.length };
  // the projection's size: every record of the dataset (no --records / --ids)
  const datasetRecords = config.limit === undefined && !config.ids ? probe.cases.length : gridCases({ ...config, limit: undefined, ids: undefined }, config.sourceLangs[0], undefined, mz).cases.length;
  let loadMs = 0;
  const methods = await Promise.all(config.methods.map((m) => loadMethod(asMethodSpec(m))));
  const run: GridRunInfo = {
    id: `${hostname()}.${process.pid}.${new Date().toISOString().replace(/[-:]/g, '').slice(0, 15)}`,
    host: hostname(),
    started: new Date().toISOString(),
    ...(config.shard ? { shard: shardLabel(config.shard) } : {}),
    outDir,
  };
  mkdirSync(outDir, { recursive: true });
  const knownRuns = writeGridManifest(outDir, gridFingerprint(config, methods.map((m) => ({ name: m.name, id: m.method?.id ?? m.name, hparams: m.spec.hparams ?? {} })), dataset), run);
  let aborted: unknown;

  try {
    for (const [bbIndex, bspec] of config.backbones.map(asBackboneSpec).entries()) {
      const resolved = await loadBackbone(bspec, notes);
      const { error: bbError, name: bbName } = resolved;
      let { backbone, fellBack } = resolved;
      let cells: Cell[];
      let planned = false;
      for (;;) {
        const bbId = backbone?.id ?? bbName;
        cells = planCells(bbIndex, bbId, bspec, bbError, methods, config, schedule, f1Id, log, mz);
        const pending = cells.filter((c) => c.meta.status === 'running');
        const done = cells.filter((c) => c.meta.status === 'done').length;
        if (done) log(`${bbId}: ${done} cell(s) already done, skipped`);
        if (!planned) opts.onPlan?.(backbone ? pending.reduce((a, c) => a + c.cases.length, 0) : 0);
        planned = true;
        if (!pending.length || !backbone) break;
        const loaded = await openBackbone(backbone, bspec, backend, { ...opts, dtype: config.dtype }).catch((e: unknown) => ({ error: e }));
        if ('error' in loaded) {
          const why = message(loaded.error).split('\n')[0];
          if (!fellBack && bspec.fallback) {
            // a plugin that resolves but cannot load yet (e.g. no checkpoint): the fallback, with a note
            fellBack = true;
            backbone = bspec.fallback();
            notes.push(`backbone '${bbId}' could not be loaded (${why}); ran on '${backbone.id}' (${backbone.description}) instead`);
            continue;
          }
          for (const c of pending) c.meta = { ...c.meta, status: 'failed', note: `loading backbone '${bbId}' failed: ${why}` };
          log(`loading backbone '${bbId}' failed: ${message(loaded.error)}`);
          break;
        }
        loadMs += loaded.loadMs;
        try {
          const f1Tokenize = tokenizeForF1(f1Shared ?? loaded.tokenizer);
          // the unedited model's predictions of an item are the same in every cell of this backbone
          const preCache = preEditCache();
          for (const cell of pending) {
            const stop = await runCell(cell, { config, opts, log, backend, backbone, bspec, f1Tokenize, f1Id, schedule, run, preCache, ...loaded });
            if (stop) {
              aborted = stop;
              break;
            }
          }
        } finally {
          loaded.model.dispose();
        }
        break;
      }
      rows.push(...cells.map((c) => cellRow(c.meta, c.aggregate, c.transfer)));
      if (aborted) break;
    }
  } finally {
    backend.dispose();
  }
  if (aborted) throw aborted;

  const srcOrder = new Map(config.sourceLangs.map((s, i) => [s, i]));
  const bbOrder = [...new Set(rows.map((r) => r.meta.backbone))];
  rows.sort((a, b) => bbOrder.indexOf(a.meta.backbone) - bbOrder.indexOf(b.meta.backbone) || srcOrder.get(a.meta.sourceLang)! - srcOrder.get(b.meta.sourceLang)!);
  const report: GridReport = {
    name: config.name,
    dataset: dataset.name,
    ...(dataset.sha256 ? { datasetSha256: dataset.sha256 } : {}),
    languages: dataset.languages,
    sourceLangs: [...config.sourceLangs],
    records: dataset.records,
    scorer: config.scorer,
    schedule: scheduleName(schedule),
    backend: backend.name,
    f1Tokenizer: f1Id,
    created: new Date().toISOString(),
    rows,
    notes,
    runs: runsOf(rows, run, knownRuns),
    ...(config.shard ? { shard: shardLabel(config.shard) } : {}),
    trainingScale: trainingScaleInfo(config),
    timing: gridTiming(rows, { datasetRecords, sourceLangs: config.sourceLangs.length, jobs: opts.projectJobs ?? availableParallelism(), loadMs }),
  };
  if (opts.writeReport !== false) await writeReportFiles(outDir, report);
  return report;
}

/** A report row of a cell: its metadata, scores and the runs its records come from. */
export function cellRow(meta: CellMeta, aggregate?: GridRow['aggregate'], transfer?: GridRow['transfer']): GridRow {
  const runIds = meta.runIds ?? [];
  return {
    meta,
    ...(aggregate ? { aggregate } : {}),
    ...(transfer ? { transfer } : {}),
    ...(runIds.length ? { sources: runIds.map((run) => ({ run, records: aggregate?.edits ?? 0 })) } : {}),
  };
}

/** The runs named by the rows (earlier runs of resumed cells included, as `grid.json` lists them), this run first. */
function runsOf(rows: readonly GridRow[], run: GridRunInfo, known: readonly GridRunInfo[]): GridRunInfo[] {
  const out = [run];
  for (const r of rows) {
    for (const id of r.meta.runIds ?? []) {
      if (out.some((x) => x.id === id)) continue;
      out.push(known.find((x) => x.id === id) ?? { id, host: id.split('.')[0], started: '(not in grid.json)', outDir: run.outDir });
    }
  }
  return out;
}

/** The committed training-scale study (Figure 3 data on the embedded model, see docs/grid.md). */
export const COMMITTED_TRAINING_SCALE = path.join(repoRoot, 'docs', 'grid', 'training-scale.json');

/**
 * Where the training-scale data (Figure 3) is read from, and whether it is there: the file the config
 * names; else the run's own `<outDir>/training-scale.json`; else, when the run has none, the committed
 * study ({@link COMMITTED_TRAINING_SCALE}), so the default report draws Figure 3 and says where from.
 */
export function trainingScaleInfo(config: Pick<GridConfig, 'trainingScaleFile' | 'outDir'>, committed = COMMITTED_TRAINING_SCALE): TrainingScaleSource {
  if (config.trainingScaleFile) {
    const file = path.resolve(config.trainingScaleFile);
    return { file, present: existsSync(file), origin: 'config' };
  }
  const own = path.resolve(config.outDir, 'training-scale.json');
  if (existsSync(own)) return { file: own, present: true, origin: 'run' };
  if (existsSync(committed)) return { file: committed, present: true, origin: 'committed', looked: own };
  return { file: own, present: false, origin: 'run' };
}

interface CellEnv {
  run: GridRunInfo;
  config: GridConfig;
  opts: RunGridOptions;
  log: (l: string) => void;
  backend: Backend;
  backbone: Backbone;
  bspec: GridBackboneSpec;
  model: LanguageModel;
  tokenizer: Tokenizer;
  loadMs: number;
  wHash: string;
  dtype: string;
  f1Tokenize: ReturnType<typeof tokenizeForF1>;
  f1Id: string;
  schedule: Schedule;
  preCache: PreEditCache;
}

/** Runs one cell; returns the error that must stop the grid (thrown by `onEdit`), else undefined. */
async function runCell(cell: Cell, env: CellEnv): Promise<unknown> {
  const { config, opts, log, model } = env;
  const method = cell.m.method!;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const prevWall = cell.meta.timings.wallMs;
  const prevCpu = cell.meta.timings.cpuMs ?? 0;
  const cpuNow = () => {
    const d = process.cpuUsage(cpu0);
    return prevCpu + (d.user + d.system) / 1000;
  };
  const save = (patch: Partial<CellMeta>) => {
    cell.meta = { ...cell.meta, ...patch, timings: { ...cell.meta.timings, ...patch.timings, wallMs: prevWall + (performance.now() - t0), cpuMs: cpuNow() } };
    writeCellMeta(cell.dir, cell.meta);
  };
  const where = `${cell.id.backbone}/${cell.m.name}-${cell.id.sourceLang}`;
  let stop: unknown;
  let writer: ResultsWriter | undefined;
  let bar: ProgressBar | undefined;
  try {
    const info = { id: env.backbone.id, config: model.config };
    const hparams = parseHparams(method.id, method.hparams, method.presets?.(info), cell.m.spec.hparams);
    const needLayers = method.requires(hparams).statsLayers ?? [];
    let stats: ReturnType<typeof openStats> | undefined;
    if (needLayers.length) {
      const wh = await statsWeightsHash(model);
      const dir = config.statsDir ?? defaultStatsDir(env.backbone.id, config.cacheDir);
      // built (resumably) on first use from the documented corpus, unless a statistics directory was given
      if (!config.statsDir) await ensureStats({ model, tokenizer: env.tokenizer, backboneId: env.backbone.id, layers: needLayers, dir, weightsHash: wh, log: (m) => log(`${where}: ${m}`), progress: opts.progress !== false, spec: config.autoStats });
      stats = openStats({ dir, weightsHash: wh, backend: env.backend, command: { backbone: env.backbone.id, modelDir: env.bspec.modelDir, outDir: dir, layers: needLayers } });
    }
    const versions = cellVersions({ backend: env.backend.name, method: method.id, backbone: env.backbone.id });
    save({
      status: 'running',
      weightsHash: env.wHash,
      hparamsHash: hashJson(hparams),
      hparams,
      versions,
      backend: env.backend.name,
      dtype: env.dtype,
      runIds: [...new Set([...(cell.meta.runIds ?? []), env.run.id])],
      started: cell.meta.started ?? new Date().toISOString(),
      timings: { ...cell.meta.timings, loadMs: env.loadMs, runs: cell.meta.timings.runs + 1 },
    });
    writer = await ResultsWriter.open(
      cell.dir,
      {
        method: method.id,
        backbone: env.backbone.id,
        sourceLang: cell.id.sourceLang,
        dataset: cell.meta.dataset,
        ...(cell.meta.datasetSha256 ? { datasetSha256: cell.meta.datasetSha256 } : {}),
        hparams,
        weightsHash: env.wHash,
        versions,
        scorerMode: config.scorer,
        created: new Date().toISOString(),
        evalLangs: [...cell.languages],
        schedule: scheduleName(env.schedule),
        f1Tokenizer: env.f1Id,
        weightDtype: env.dtype,
      },
      { fsync: opts.fsync },
    );
    const already = cell.cases.filter((c) => writer!.isDone(c.request.id)).length;
    if (already) log(`${where}: resuming, ${already} of ${cell.cases.length} edits already done`);
    if (opts.progress !== false) {
      bar = new ProgressBar(`${env.backbone.id} ${cell.m.label} ${cell.id.sourceLang}→${cell.languages.join('/')}`, cell.cases.length);
      bar.update(already);
    }
    await runEval({
      model,
      tokenizer: env.tokenizer,
      backbone: info,
      method,
      hparams,
      cases: cell.cases,
      schedule: env.schedule,
      rules: scoringRules(config.scorer),
      f1Tokenize: env.f1Tokenize,
      writer,
      context: {
        rng: new Rng(config.seed ?? 0),
        log: { info: (m) => log(`${where}: ${m}`), warn: (m) => log(`${where}: warning: ${m}`) },
        ...(stats ? { stats } : {}),
        cacheDir: config.cacheDir ?? path.join(config.outDir, '.cache'),
        dataDir: config.dataDir ?? path.join(sharedDir(), 'data'),
        // other checkpoint directories (SERAC's `cfModelDir`) load with the cell's backbone plugin, f32, on the grid's backend (as `crossedit eval`)
        loadCheckpoint: (dir: string) => env.backbone.loadModel({ modelDir: dir }, { backend: env.backend, dtype: 'f32' }),
      },
      onProgress: (done, total, id) => {
        bar?.update(done, id);
        save({});
        try {
          opts.onEdit?.(cell.id, done, total);
        } catch (e) {
          stop = e;
          throw e;
        }
      },
      ...(config.verifyRestore ? { weightsHash: () => weightsHash(model) } : {}),
      preEditCache: env.preCache,
      onPreEdit: (ms) => save({ timings: { ...cell.meta.timings, preEditMs: (cell.meta.timings.preEditMs ?? 0) + ms } }),
    });
    await writer.close();
    writer = undefined;
    const { aggregate, transfer, records } = summarize(cell.dir, cell.cases, cell.languages, cell.id.sourceLang);
    cell.aggregate = aggregate;
    cell.transfer = transfer;
    const failed = records.filter((r) => r.error);
    save({
      status: 'done',
      ...(failed.length ? { note: `${failed.length} of ${records.length} edits failed (kept in the results; delete the cell folder to retry), first: ${failed[0].error!.split('\n')[0].slice(0, 200)}` } : {}),
      finished: new Date().toISOString(),
      timings: { ...cell.meta.timings, ...recordTimings(records, prevWall + (performance.now() - t0), 1, cell.meta.timings.preEditMs) },
    });
  } catch (e) {
    if (stop) return stop;
    save({ status: 'failed', note: message(e) });
    log(`${where} failed: ${message(e)}`);
  } finally {
    bar?.finish();
    await writer?.close();
  }
  return undefined;
}

