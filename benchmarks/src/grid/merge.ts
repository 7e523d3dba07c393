/**
 * `grid merge DIR…`: joins the results folders of a sharded grid (`--shard i/n`, one folder per shard)
 * into one report. Folders must hold the same configuration (their `grid.json` fingerprints are equal;
 * otherwise the merge is refused with the differing fields named) and distinct shards of the same n. Each
 * cell's records are gathered from every shard, put back in record order and aggregated as the unsharded
 * grid does, so the merged numbers equal an unsharded run's; the report names the run (shard) each cell's
 * records come from.
 */
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { readResults, type EditRecord } from '@crossedit/eval';
import { readCellMeta, type CellMeta } from './cell.js';
import { fingerprintDiff, readGridManifest, type GridManifest } from './manifest.js';
import { readReportJson } from './report-json.js';
import type { GridReport, GridRow, GridRunInfo } from './report.js';
import { writeReportFiles } from './report-files.js';
import { gridTiming, recordTimings } from './timing.js';
import { paperAggregate, transferRow } from './transfer.js';

/** Options of {@link mergeGrid}. */
export interface MergeOptions {
  /** Where the merged report goes. */
  outDir: string;
  /** Write the report files (default true). */
  writeReport?: boolean;
}

/**
 * Merges shard folders into one report (written into `opts.outDir`).
 * @throws Error when a folder is not a grid folder, when two folders hold different configurations (the
 *   differences named), or when shards repeat or have different counts.
 */
export async function mergeGrid(dirs: readonly string[], opts: MergeOptions): Promise<GridReport> {
  if (!dirs.length) throw new Error('grid merge: give the shard results folders to merge');
  const shards = dirs.map((d) => ({ dir: path.resolve(d), manifest: readGridManifest(d), report: readReportJson(d) }));
  const first = shards[0];
  for (const s of shards.slice(1)) {
    const diff = fingerprintDiff(first.manifest.fingerprint, s.manifest.fingerprint);
    if (diff.length) throw new Error(`grid merge: ${s.dir} holds another grid configuration than ${first.dir}: ${diff.join('; ')}`);
  }
  const counts = new Set(shards.map((s) => shardCount(s.manifest)));
  if (counts.size > 1) throw new Error(`grid merge: the folders are shards of different splits (${shards.map((s) => `${s.dir}: ${s.manifest.shard ?? 'unsharded'}`).join(', ')})`);
  const seen = new Map<string, string>();
  for (const s of shards) {
    const k = s.manifest.shard ?? 'unsharded';
    if (seen.has(k)) throw new Error(`grid merge: ${s.dir} and ${seen.get(k)} are the same shard (${k})`);
    seen.set(k, s.dir);
  }
  const n = [...counts][0];
  const notes = [...first.report.notes];
  const missing = n ? Array.from({ length: n }, (_, i) => `${i + 1}/${n}`).filter((l) => !seen.has(l)) : [];
  if (missing.length) notes.push(`shard(s) ${missing.join(', ')} of ${n} not merged: the report covers part of the grid only`);

  const runs: GridRunInfo[] = [];
  for (const s of shards) for (const r of s.manifest.runs) if (!runs.some((x) => x.id === r.id)) runs.push(r);
  const rows: GridRow[] = first.report.rows.map((row) => mergeRow(row.meta, shards.map((s) => s.dir), first.report.languages));
  const report: GridReport = {
    ...first.report,
    created: new Date().toISOString(),
    rows,
    notes: [...notes, `merged from ${shards.length} shard folder(s): ${shards.map((s) => `${s.manifest.shard ?? 'unsharded'} ${s.dir}`).join(', ')}`],
    runs,
    trainingScale: first.report.trainingScale,
    timing: gridTiming(rows, {
      datasetRecords: first.report.timing?.datasetRecords ?? first.report.records,
      sourceLangs: first.report.sourceLangs.length,
      jobs: Math.max(1, shards.length),
      loadMs: first.report.timing?.loadMs,
    }),
  };
  delete report.shard;
  delete report.figures;
  if (opts.writeReport !== false) {
    mkdirSync(opts.outDir, { recursive: true });
    await writeReportFiles(path.resolve(opts.outDir), report);
  }
  return report;
}

function shardCount(m: GridManifest): number {
  return m.shard ? Number(m.shard.split('/')[1]) : 0;
}

/** One cell across the shard folders. */
function mergeRow(meta: CellMeta, dirs: readonly string[], langs: readonly string[]): GridRow {
  const rel = path.join(meta.backbone, `${meta.method}-${meta.sourceLang}`);
  const parts = dirs
    .map((d) => path.join(d, rel))
    .filter((d) => existsSync(d) && readdirSync(d).length)
    .map((d) => ({ dir: d, meta: readCellMeta(d), records: existsSync(path.join(d, 'results.binpb')) || existsSync(path.join(d, 'results.jsonl')) ? readResults(d).records : [] }));
  const byId = new Map<string, EditRecord>();
  const sources: { run: string; records: number }[] = [];
  for (const p of parts) {
    for (const r of p.records) byId.set(r.requestId, r);
    const run = p.meta?.runIds?.at(-1) ?? p.dir;
    if (p.records.length) sources.push({ run: `${run}${p.meta?.shard ? ` [${p.meta.shard}]` : ''}`, records: p.records.length });
  }
  // the unsharded grid's order: record index (cases are in file order)
  const records = [...byId.values()].sort((a, b) => a.recordIndex - b.recordIndex);
  const metas = parts.map((p) => p.meta).filter((m): m is CellMeta => !!m);
  const statuses = new Set(metas.map((m) => m.status));
  const status = statuses.size === 1 ? [...statuses][0] : statuses.has('failed') ? 'failed' : statuses.has('running') ? 'running' : 'done';
  const base = metas[0] ?? meta;
  const merged: CellMeta = {
    ...base,
    status,
    requests: metas.reduce((a, m) => a + m.requests, 0),
    runIds: [...new Set(metas.flatMap((m) => m.runIds ?? []))],
    timings: {
      wallMs: metas.reduce((a, m) => a + m.timings.wallMs, 0),
      runs: metas.reduce((a, m) => a + m.timings.runs, 0),
      ...(metas.some((m) => m.timings.cpuMs !== undefined) ? { cpuMs: metas.reduce((a, m) => a + (m.timings.cpuMs ?? 0), 0) } : {}),
      // the one-off work is paid once per shard process: its mean over the shards
      ...(metas.some((m) => m.timings.preEditMs !== undefined) ? { preEditMs: metas.reduce((a, m) => a + (m.timings.preEditMs ?? 0), 0) } : {}),
      ...recordTimings(records, metas.reduce((a, m) => a + m.timings.wallMs, 0), metas.length, metas.reduce((a, m) => a + (m.timings.preEditMs ?? 0), 0)),
    },
  };
  delete merged.shard;
  const notes = [...new Set(metas.map((m) => m.note).filter(Boolean))];
  if (notes.length) merged.note = notes.join(' | ');
  else delete merged.note;
  const scored = status === 'skipped' || !records.length ? {} : { aggregate: paperAggregate(records, langs, meta.sourceLang), transfer: transferRow(records, langs) };
  return { meta: merged, ...scored, ...(sources.length ? { sources } : {}) };
}
