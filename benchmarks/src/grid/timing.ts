/**
 * Where a grid's time goes and what the whole grid would take: per method the seconds per edit (edit,
 * evaluation — with the record's share of the pre-edit pass —, restore, from the records' own timings,
 * the first record of a cell left out as warm-up when the cell has three or more), the one-off work of each cell (statistics, IKE's bank, context
 * templates: the cell's wall time less its records' time), and the projected total for every record of
 * the dataset in every edit language, on one process and on `jobs` processes (`--jobs`).
 */
import type { EditRecord } from '@crossedit/eval';
import type { CellTimings } from './cell.js';
import type { GridRow } from './report.js';

/** One method's timings over its cells. */
export interface MethodTiming {
  /** The method's row name and label. */
  method: string;
  label: string;
  /** Edits the means are over (all cells of the method). */
  edits: number;
  /** Steady-state means per edit (ms). */
  editMs: number;
  evaluateMs: number;
  restoreMs: number;
  totalMs: number;
  /** One-off work of the method's cells (ms, summed over the cells). */
  setupMs: number;
  /** Process CPU time per edit (ms; every thread of the process, one-off work included), when measured. */
  cpuMs?: number;
  /** The method's share of the projection on one process (ms). */
  projectedMs: number;
}

/** The timing section of a grid report. */
export interface GridTiming {
  /** Records per edit language in the whole dataset (the projection's size). */
  datasetRecords: number;
  /** Edit languages of the grid. */
  sourceLangs: number;
  /** Loading the backbone(s), once per process (ms). */
  loadMs: number;
  methods: MethodTiming[];
  /** Every method × edit language × dataset record on one process (ms). */
  projectedMs: number;
  /** The same on `jobs` processes in parallel (ms): the per-edit work divided, the one-off work paid by each. */
  jobs: number;
  projectedParallelMs: number;
}

type Phase = 'editMs' | 'evaluateMs' | 'restoreMs' | 'totalMs';
const PHASES: readonly Phase[] = ['editMs', 'evaluateMs', 'restoreMs', 'totalMs'];

/** The records that stand for the steady state: all but the first when there are three or more. */
function steady(records: readonly EditRecord[]): readonly EditRecord[] {
  const ok = records.filter((r) => !r.error);
  const sorted = [...(ok.length ? ok : records)].sort((a, b) => a.recordIndex - b.recordIndex);
  return sorted.length >= 3 ? sorted.slice(1) : sorted;
}

/**
 * A cell's timing fields from its records and wall time: the plain means, the steady-state means and
 * the one-off time (`wallMs` less the records' summed totals and the pre-edit pass, never negative; per
 * process when `parts` shard processes shared the cell).
 */
export function recordTimings(records: readonly EditRecord[], wallMs: number, parts = 1, preEditMs = 0): Partial<CellTimings> {
  if (!records.length) return {};
  const mean = (rs: readonly EditRecord[], k: Phase) => rs.reduce((a, r) => a + r.timings[k], 0) / rs.length;
  const st = steady(records);
  const sum = records.reduce((a, r) => a + r.timings.totalMs, 0);
  return {
    meanEditMs: mean(records, 'editMs'),
    meanEvaluateMs: mean(records, 'evaluateMs'),
    meanRestoreMs: mean(records, 'restoreMs'),
    meanTotalMs: mean(records, 'totalMs'),
    steady: Object.fromEntries(PHASES.map((k) => [k, mean(st, k)])) as Record<Phase, number>,
    setupMs: Math.max(0, wallMs - sum - preEditMs) / Math.max(1, parts),
  };
}

/**
 * The timing section of a report from its rows: rows without steady timings (skipped, not run) are left
 * out. `datasetRecords` is the dataset's size per edit language; `jobs` the processes of the parallel
 * projection.
 */
export function gridTiming(rows: readonly GridRow[], opts: { datasetRecords: number; sourceLangs: number; jobs: number; loadMs?: number }): GridTiming {
  const byMethod = new Map<string, GridRow[]>();
  for (const r of rows) {
    if (!r.meta.timings.steady || !r.aggregate?.edits) continue;
    const k = `${r.meta.backbone}\u0000${r.meta.method}`;
    byMethod.set(k, [...(byMethod.get(k) ?? []), r]);
  }
  const methods: MethodTiming[] = [];
  let perEdit = 0;
  let setup = 0;
  for (const cells of byMethod.values()) {
    const edits = cells.reduce((a, c) => a + c.aggregate!.edits, 0);
    // the pre-edit predictions pass grows with the records: each record's share counts as evaluation
    const pre = (c: GridRow) => (c.meta.timings.preEditMs ?? 0) / c.aggregate!.edits;
    const per = (c: GridRow, k: Phase) => c.meta.timings.steady![k] + (k === 'evaluateMs' || k === 'totalMs' ? pre(c) : 0);
    const w = (k: Phase) => cells.reduce((a, c) => a + per(c, k) * c.aggregate!.edits, 0) / edits;
    const setupMs = cells.reduce((a, c) => a + (c.meta.timings.setupMs ?? 0), 0);
    const cpu = cells.filter((c) => c.meta.timings.cpuMs !== undefined);
    const cpuMs = cpu.length ? cpu.reduce((a, c) => a + c.meta.timings.cpuMs!, 0) / cpu.reduce((a, c) => a + c.aggregate!.edits, 0) : undefined;
    // each edit language is a cell of its own: per-cell steady time × the dataset's records
    const work = cells.reduce((a, c) => a + per(c, 'totalMs') * opts.datasetRecords, 0) * (opts.sourceLangs / cells.length);
    perEdit += work;
    setup += setupMs * (opts.sourceLangs / cells.length);
    methods.push({
      method: cells[0].meta.method,
      label: cells[0].meta.label,
      edits,
      editMs: w('editMs'),
      evaluateMs: w('evaluateMs'),
      restoreMs: w('restoreMs'),
      totalMs: w('totalMs'),
      setupMs,
      ...(cpuMs !== undefined ? { cpuMs } : {}),
      projectedMs: work + setupMs * (opts.sourceLangs / cells.length),
    });
  }
  const loadMs = opts.loadMs ?? 0;
  const jobs = Math.max(1, opts.jobs);
  return {
    datasetRecords: opts.datasetRecords,
    sourceLangs: opts.sourceLangs,
    loadMs,
    methods,
    projectedMs: loadMs + perEdit + setup,
    jobs,
    projectedParallelMs: loadMs + perEdit / jobs + setup,
  };
}

/** `1 h 02 min`, `4 min 09 s`, `850 ms`. */
export function duration(ms: number): string {
  if (ms < 1000) return `${ms.toFixed(0)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(Math.round(s % 60)).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.round((s % 3600) / 60)).padStart(2, '0')} min`;
}

/** The sentence under the timing table. */
export function projectionLine(t: GridTiming): string {
  const n = t.datasetRecords * t.sourceLangs;
  return `Projected full grid (${t.datasetRecords.toLocaleString('en-US')} records × ${t.sourceLangs} edit languages = ${n.toLocaleString('en-US')} edits per method, ${t.methods.length} method${t.methods.length === 1 ? '' : 's'}): ${duration(t.projectedMs)} on one process, ${duration(t.projectedParallelMs)} with --jobs ${t.jobs}.`;
}
