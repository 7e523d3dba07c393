import { describe, expect, it } from 'vitest';
import type { EditRecord } from '@crossedit/eval';
import type { CellMeta } from './cell.js';
import { workerArgs } from './jobs.js';
import type { GridRow } from './report.js';
import { duration, gridTiming, projectionLine, recordTimings } from './timing.js';

const rec = (i: number, editMs: number, evaluateMs: number, error?: string): EditRecord =>
  ({ recordIndex: i, requestId: `${i}:en`, request: { prompt: 'p', subject: 's', target: 't', lang: 'en' }, items: [], diagnostics: {}, timings: { editMs, evaluateMs, restoreMs: 1, totalMs: editMs + evaluateMs + 1 }, ...(error ? { error } : {}) }) as EditRecord;

function row(method: string, src: string, records: EditRecord[], wallMs: number, cpuMs?: number): GridRow {
  const meta = { backbone: 'tiny', method, methodId: method, label: method.toUpperCase(), sourceLang: src, status: 'done', key: 'k', dataset: 'd', requests: records.length, timings: { wallMs, runs: 1, ...(cpuMs !== undefined ? { cpuMs } : {}), ...recordTimings(records, wallMs) } } as CellMeta;
  return { meta, aggregate: { edits: records.length } as GridRow['aggregate'] };
}

describe('grid timing and projection', () => {
  it('steady-state means leave the first (warm-up) record out from three records on; the one-off time is wall less the records', () => {
    const t = recordTimings([rec(1, 100, 10), rec(0, 900, 10), rec(2, 120, 30)], 2000);
    // means over all, steady over records 1 and 2 (record 0, the first by index, is the warm-up)
    expect(t.meanEditMs).toBeCloseTo(1120 / 3, 10);
    expect(t.steady).toEqual({ editMs: 110, evaluateMs: 20, restoreMs: 1, totalMs: 131 });
    expect(t.setupMs).toBe(2000 - (911 + 111 + 151));
    // two records: both count; failed records are left out of the steady means
    expect(recordTimings([rec(0, 10, 0), rec(1, 30, 0)], 0).steady?.editMs).toBe(20);
    expect(recordTimings([rec(0, 10, 0), rec(1, 30, 0, 'boom'), rec(2, 50, 0), rec(3, 70, 0)], 0).steady?.editMs).toBe(60);
    expect(recordTimings([], 100)).toEqual({});
    // shards: the one-off time per process; the pre-edit pass is not one-off work
    expect(recordTimings([rec(0, 10, 0)], 111, 2).setupMs).toBe(50);
    expect(recordTimings([rec(0, 10, 0)], 111, 1, 60).setupMs).toBe(40);
  });

  it('projects every record × edit language per method on one process and on N jobs', () => {
    const rows = [
      row('rome', 'en', [rec(0, 5000, 100), rec(1, 1000, 100), rec(2, 1000, 100)], 6000, 3000),
      row('rome', 'zh', [rec(0, 1000, 100), rec(1, 1000, 100), rec(2, 1000, 100)], 4000),
      row('ft', 'en', [rec(0, 200, 50)], 251),
      { meta: { ...row('kn', 'en', [], 0).meta, status: 'skipped' } } as GridRow,
    ];
    const t = gridTiming(rows, { datasetRecords: 1000, sourceLangs: 2, jobs: 2, loadMs: 500 });
    expect(t.methods.map((m) => m.method)).toEqual(['rome', 'ft']);
    const [rome, ft] = t.methods;
    expect(rome.totalMs).toBe(1101);
    expect(rome.editMs).toBe(1000);
    // setup: (6000 - 7303 → 0) + (4000 - 3303)
    expect(rome.setupMs).toBe(697);
    expect(rome.cpuMs).toBe(1000);
    expect(rome.projectedMs).toBe(1101 * 1000 * 2 + 697);
    // FT ran in one edit language only: its cell stands for both
    expect(ft.projectedMs).toBe(251 * 1000 * 2);
    expect(t.projectedMs).toBe(500 + rome.projectedMs + ft.projectedMs);
    expect(t.projectedParallelMs).toBe(500 + (1101 * 2000 + 251 * 2000) / 2 + 697);
    // a pre-edit pass counts per edit (evaluation), in proportion to the dataset
    const withPre = rows.map((r) => (r.meta.method === 'ft' ? { ...r, meta: { ...r.meta, timings: { ...r.meta.timings, preEditMs: 100 } } } : r));
    const t2 = gridTiming(withPre, { datasetRecords: 1000, sourceLangs: 2, jobs: 2 });
    expect(t2.methods[1].evaluateMs).toBe(150);
    expect(t2.methods[1].projectedMs).toBe(351 * 1000 * 2);
    expect(projectionLine(t)).toBe(`Projected full grid (1,000 records × 2 edit languages = 2,000 edits per method, 2 methods): ${duration(t.projectedMs)} on one process, ${duration(t.projectedParallelMs)} with --jobs 2.`);
    expect([duration(850), duration(12_340), duration(249_000), duration(3_725_000)]).toEqual(['850 ms', '12.3 s', '4 min 09 s', '1 h 02 min']);
  });

  it('workers get the command line without the options the parent sets per worker', () => {
    expect(workerArgs(['--records', '8', '--jobs', '2', '--out', 'o', '--quiet', '--methods=rome', '--shard=1/2', '--verify-restore'])).toEqual(['--records', '8', '--methods=rome', '--verify-restore']);
    expect(workerArgs(['--jobs=auto', '--out=x', '--backend', 'cpu'])).toEqual(['--backend', 'cpu']);
  });
});
