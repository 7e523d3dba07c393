/**
 * One cell of the grid (a backbone × method × source language) and its `cell.json`: what was run, the
 * hashes of the weights and hyperparameters, package versions, timings, and whether it finished. The
 * edit records themselves are in the same folder (`results.binpb`, `results.jsonl`, written by
 * `@crossedit/eval`'s `ResultsWriter`), which is what makes a cell resumable.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Where a cell stands. */
export type CellStatus = 'done' | 'running' | 'failed' | 'skipped';

/** Timings of a cell, in milliseconds. */
export interface CellTimings {
  /** Loading the backbone (model and tokenizer) in the run that last worked on the cell. */
  loadMs?: number;
  /** Wall-clock time spent on the cell, summed over every run that worked on it. */
  wallMs: number;
  /** Runs that worked on the cell (more than one after a resume). */
  runs: number;
  /** Means per edit over the cell's records (from the records' own timings). */
  meanEditMs?: number;
  meanEvaluateMs?: number;
  meanRestoreMs?: number;
  meanTotalMs?: number;
  /**
   * Steady-state means per edit: over the records less the first (warm-up: JIT, caches) when the cell
   * has three or more, else over all (see `timing.ts`).
   */
  steady?: { editMs: number; evaluateMs: number; restoreMs: number; totalMs: number };
  /** One-off work of the cell per process (statistics, banks, templates): wall time less the records' time. */
  setupMs?: number;
  /** Process CPU time spent on the cell (all threads), summed over runs. */
  cpuMs?: number;
  /** The pre-edit predictions pass (it grows with the records, unlike the other one-off work), summed over runs. */
  preEditMs?: number;
}

/** The content of `cell.json`. */
export interface CellMeta {
  backbone: string;
  /** The method's folder/row name (its id unless the config renames it). */
  method: string;
  /** The method plugin's id. */
  methodId: string;
  /** Display label (`ROME`). */
  label: string;
  sourceLang: string;
  status: CellStatus;
  /** Why a cell was skipped or failed; what a fallback changed. */
  note?: string;
  /** Hash of everything the config decides for this cell; a done cell with the same key is skipped. */
  key: string;
  /** SHA-256 of the unedited weights (`@crossedit/transformer` weightsHash). */
  weightsHash?: string;
  /** SHA-256 of the canonical JSON of the hyperparameters actually used. */
  hparamsHash?: string;
  hparams?: Record<string, unknown>;
  versions?: Record<string, string>;
  /** Backend name (`cpu`, `webgpu`). */
  backend?: string;
  /**
   * Storage dtype of the backbone's weight matrices as loaded: `f32`, `f16` (half precision on the device)
   * or `f16-widened` (f16 values on a CPU backend); cells of earlier runs may say `f32` or `f16+f32`.
   */
  dtype?: string;
  /** Scorer mode (`correct`, `bizsre-2023`). */
  scorer?: string;
  /** Ids of the runs that worked on the cell, oldest first (see the report's runs list). */
  runIds?: string[];
  /** `i/n` when the cell folder holds one shard's records only. */
  shard?: string;
  dataset: string;
  datasetSha256?: string;
  /** Request ids of the cell, in order. */
  requests: number;
  timings: CellTimings;
  /** ISO times of the first start and of the last finish. */
  started?: string;
  finished?: string;
}

/** `cell.json` in a cell folder. */
export function cellMetaPath(dir: string): string {
  return path.join(dir, 'cell.json');
}

/** Reads a cell's `cell.json` (undefined when absent or unreadable: the cell is then simply run again). */
export function readCellMeta(dir: string): CellMeta | undefined {
  const f = cellMetaPath(dir);
  if (!existsSync(f)) return undefined;
  try {
    return JSON.parse(readFileSync(f, 'utf8')) as CellMeta;
  } catch {
    return undefined;
  }
}

/** Writes `cell.json` atomically (temporary file, then rename). */
export function writeCellMeta(dir: string, meta: CellMeta): void {
  mkdirSync(dir, { recursive: true });
  const f = cellMetaPath(dir);
  writeFileSync(`${f}.tmp`, JSON.stringify(meta, null, 2) + '\n');
  renameSync(`${f}.tmp`, f);
}
