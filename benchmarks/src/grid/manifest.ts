/**
 * `grid.json` in a results folder: the grid's fingerprint (everything that decides its numbers: dataset
 * and its hash, languages, record subset, backbones, methods and their hyperparameter overrides, scorer,
 * schedule, backend, F1 tokenizer, seed, statistics) and the runs that wrote into the folder. `grid merge`
 * joins folders only when their fingerprints are equal, and names the fields that differ otherwise.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { GridBackboneSpec, GridConfig } from './grid.config.js';
import type { GridRunInfo } from './report.js';
import { shardLabel } from './shard.js';

/** What decides a grid's numbers. */
export interface GridFingerprint {
  name: string;
  dataset: { name: string; sha256: string; languages: string[]; records: number };
  sourceLangs: string[];
  limit: number | null;
  ids: number[] | null;
  backbones: { plugin: string; modelDir: string | null; tokenizer: string | null }[];
  methods: { name: string; id: string; hparams: Record<string, unknown> }[];
  scorer: string;
  schedule: string;
  backend: string;
  f1Tokenizer: string | null;
  seed: number;
  statsDir: string | null;
}

/** The content of `grid.json`. */
export interface GridManifest {
  format: 'crossedit.grid/1';
  fingerprint: GridFingerprint;
  /** `i/n`, or null for an unsharded folder. */
  shard: string | null;
  runs: GridRunInfo[];
}

const bbName = (b: string | GridBackboneSpec) => (typeof b === 'string' ? b : typeof b.plugin === 'string' ? b.plugin : b.plugin.id);

/** The fingerprint of a config (methods as loaded: folder name, plugin id, overrides). */
export function gridFingerprint(c: GridConfig, methods: GridFingerprint['methods'], dataset: GridFingerprint['dataset']): GridFingerprint {
  return {
    name: c.name,
    dataset,
    sourceLangs: [...c.sourceLangs],
    limit: c.limit ?? null,
    ids: c.ids ? [...c.ids] : null,
    backbones: c.backbones.map((b) => ({ plugin: bbName(b), modelDir: (typeof b === 'string' ? undefined : b.modelDir) ?? null, tokenizer: (typeof b === 'string' ? undefined : b.tokenizer) ?? null })),
    methods,
    scorer: c.scorer,
    schedule: c.schedule,
    backend: c.backend,
    f1Tokenizer: c.f1Tokenizer ?? null,
    seed: c.seed ?? 0,
    statsDir: c.statsDir ?? null,
  };
}

/** `grid.json` of a folder. */
export function manifestPath(dir: string): string {
  return path.join(dir, 'grid.json');
}

/** Reads `grid.json`. @throws Error naming the file when it is missing or not a grid manifest. */
export function readGridManifest(dir: string): GridManifest {
  const f = manifestPath(dir);
  if (!existsSync(f)) throw new Error(`${dir}: not a grid results folder (no grid.json; run the grid with --out ${dir} first)`);
  const m = JSON.parse(readFileSync(f, 'utf8')) as GridManifest;
  if (m.format !== 'crossedit.grid/1') throw new Error(`${f}: field "format": expected "crossedit.grid/1", got ${JSON.stringify(m.format)}`);
  return m;
}

/**
 * Writes (or updates) `grid.json` with this run's fingerprint; the run is appended to the folder's runs.
 * (Cells are keyed one by one, so a folder may be reused with other methods or a larger limit; the
 * fingerprint is the last run's, and `grid merge` compares those of the folders it joins.)
 */
export function writeGridManifest(dir: string, fp: GridFingerprint, run: GridRunInfo): GridRunInfo[] {
  const f = manifestPath(dir);
  let runs: GridRunInfo[] = [];
  if (existsSync(f)) {
    try {
      runs = readGridManifest(dir).runs ?? [];
    } catch {
      runs = [];
    }
  }
  const m: GridManifest = { format: 'crossedit.grid/1', fingerprint: fp, shard: run.shard ?? null, runs: [...runs, run] };
  writeFileSync(`${f}.tmp`, JSON.stringify(m, null, 2) + '\n');
  renameSync(`${f}.tmp`, f);
  return m.runs;
}

/** The fields in which two fingerprints differ, as `field: a → b` lines. */
export function fingerprintDiff(a: unknown, b: unknown, at = ''): string[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) return a.flatMap((v, i) => fingerprintDiff(v, b[i], `${at}.${i}`));
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    return keys.flatMap((k) => fingerprintDiff((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], at ? `${at}.${k}` : k));
  }
  const show = (v: unknown) => (v === undefined ? 'absent' : JSON.stringify(v).slice(0, 120));
  return [`${at || '(root)'}: ${show(a)} → ${show(b)}`];
}

export { shardLabel };
