/**
 * `pnpm bench grid-time`: how long the whole embedded-model grid takes, measured on a few records and
 * projected: every method × En→/Zh→ on the first N records of Bi-ZsRE's test file (all 1,037 records are
 * the projection's size), in a fresh results folder, then the grid report's timing table — per method
 * the steady-state seconds per edit (edit / evaluation / restore), the CPU seconds per edit, the one-off
 * work — and the projected total on one process and with `--jobs`. The load average is printed beside
 * it: on a shared machine the wall times grow with it, the CPU times much less.
 *
 *   pnpm bench grid-time [--records N] [--methods a,b] [--jobs N|auto] [--backend auto|cpu|cpu-f32|webgpu]
 *     [--dataset FILE] [--out DIR] [--quiet]
 */
import { mkdtempSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { applyGridArgs } from './grid/command.js';
import { defaultGridConfig, sharedDir } from './grid/grid.config.js';
import { runJobs } from './grid/jobs.js';
import { timingTable } from './grid/report.js';
import { runGrid } from './grid/run.js';
import { duration, projectionLine } from './grid/timing.js';

/**
 * CPU milliseconds the full grid takes with each method's one-off work counted once: per cell, its steady
 * wall time per edit (edit + evaluation + restore + its share of the pre-edit pass, as in the table) × the
 * cell's CPU/wall ratio, over the dataset's records, plus the one-off setup at the same ratio. The plain CPU
 * line divides a cell's whole CPU time by its few edits, so one-off work (IKE's bank embedding, ROME's
 * context templates, both inside the first edit) is charged to every projected edit.
 */
function steadyCpuMs(report: Awaited<ReturnType<typeof runGrid>>): number | null {
  const t = report.timing;
  if (!t) return null;
  let total = 0;
  for (const row of report.rows) {
    const tm = row.meta.timings;
    const edits = row.aggregate?.edits ?? 0;
    if (!tm.steady || tm.cpuMs === undefined || !(tm.wallMs > 0) || edits === 0) return null;
    const ratio = tm.cpuMs / tm.wallMs;
    total += ((tm.steady.totalMs + (tm.preEditMs ?? 0) / edits) * t.datasetRecords + (tm.setupMs ?? 0)) * ratio;
  }
  return total;
}

/** Fixed-width rendering of a report table. */
function text(t: ReturnType<typeof timingTable>): string {
  const width = t.head.map((h, i) => Math.max(h.length, ...t.body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (t.right[i] ? c.padStart(width[i]) : c.padEnd(width[i]))).join('  ').trimEnd();
  return [line(t.head), width.map((w) => '-'.repeat(w)).join('  '), ...t.body.map(line)].join('\n');
}

/** Entry point (see the file comment). */
export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      records: { type: 'string', default: '8' },
      methods: { type: 'string' },
      jobs: { type: 'string', default: '1' },
      backend: { type: 'string' },
      dataset: { type: 'string' },
      out: { type: 'string' },
      quiet: { type: 'boolean' },
    },
  });
  const out = values.out ?? mkdtempSync(path.join(tmpdir(), 'crossedit-grid-time-'));
  const dataset = values.dataset ?? path.join(sharedDir(), 'data/bizsre/bizsre_test.json');
  const config = applyGridArgs({ ...defaultGridConfig(), name: 'grid time (embedded tiny backbone)' }, { ...values, dataset, out, jobs: undefined });
  const jobs = values.jobs === 'auto' ? availableParallelism() : Number(values.jobs);
  if (!(Number.isInteger(jobs) && jobs >= 1)) throw new Error(`--jobs must be a positive integer or 'auto' (got '${values.jobs}')`);
  const load0 = loadavg()[0];
  const t0 = performance.now();
  const report =
    jobs > 1
      ? await runJobs(['--dataset', dataset, '--records', String(values.records), ...(values.methods ? ['--methods', values.methods] : []), ...(values.backend ? ['--backend', values.backend] : [])], out, jobs, { progress: !values.quiet })
      : await runGrid(config, { progress: !values.quiet, projectJobs: availableParallelism() });
  const wall = performance.now() - t0;
  const t = report.timing;
  if (!t?.methods.length) throw new Error(`grid-time: no method produced timed edits (see ${out}/report.md)`);
  const cpuEdits = t.methods.reduce((a, m) => a + (m.cpuMs ?? 0), 0) * t.datasetRecords * t.sourceLangs;
  process.stdout.write(
    [
      `grid time: ${report.records} records × ${report.sourceLangs.length} edit languages of ${report.dataset} on ${report.backend}, ${jobs} process${jobs > 1 ? 'es' : ''}, ${duration(wall)} wall; load average ${load0.toFixed(1)} → ${loadavg()[0].toFixed(1)} on ${availableParallelism()} CPUs`,
      '',
      text(timingTable(t)),
      '',
      projectionLine(t),
      `From CPU time instead (what an idle machine's wall time approaches): ${duration(cpuEdits)} of CPU for the full grid, ${duration(cpuEdits / availableParallelism())} on ${availableParallelism()} cores.`,
      ...(() => {
        const steady = steadyCpuMs(report);
        return steady === null
          ? []
          : [`From steady CPU time (per cell: steady wall per edit × its CPU/wall ratio, one-off work once): ${duration(steady)} of CPU for the full grid, ${duration(steady / availableParallelism())} on ${availableParallelism()} cores.`];
      })(),
      `Report: ${path.join(out, 'report.md')}`,
      '',
    ].join('\n'),
  );
}
