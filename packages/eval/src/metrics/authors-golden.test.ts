/**
 * Golden: the paper authors' own `calculate_metrics` (krystalan/Bi-ZsRE @ 6ae5fc4, `evaluate.py`), run by
 * `scripts/make-authors-metrics-fixture.py` on `crossedit eval --scorer bizsre-2023` results of the
 * embedded model (IKE included), against our aggregate of the same records, cell by cell.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { aggregateRecords } from './aggregate.js';

interface Cell {
  f1: number;
  em: number;
  f1Raw: number;
  emRaw: number;
}

interface Run {
  name: string;
  method: string;
  sourceLang: string;
  scorerMode: string;
  records: { requestId: string; items: { metric: string; answer: string; reference: string; f1: number; em: number; tokenAcc: number }[] }[];
  authors: Record<string, Cell>;
}

const fx = JSON.parse(readFileSync(new URL('./__fixtures__/authors-calculate-metrics.json', import.meta.url), 'utf8')) as { reference: { repo: string; commit: string }; runs: Run[] };

/** The authors' `my_avg`, `round(sum * 100 / n, 2)`: Python rounds an exact tie to even (3.125 → 3.12). */
function myAvg(mean: number): number {
  const y = mean * 100 * 100;
  const f = Math.floor(y);
  const r = y - f === 0.5 ? (f % 2 === 0 ? f : f + 1) : Math.round(y);
  return r / 100;
}

describe("golden: the authors' calculate_metrics on our bizsre-2023 results", () => {
  it('covers IKE and weight-editing methods, edits in both languages, with non-trivial cells', () => {
    expect(fx.reference).toMatchObject({ repo: 'krystalan/Bi-ZsRE', commit: '6ae5fc4' });
    expect(new Set(fx.runs.map((r) => r.method))).toContain('ike');
    expect(fx.runs.some((r) => r.method !== 'ike')).toBe(true);
    expect(new Set(fx.runs.map((r) => r.sourceLang))).toEqual(new Set(['en', 'zh']));
    expect(fx.runs.every((r) => r.scorerMode === 'bizsre-2023' && r.records.length > 0)).toBe(true);
    // some cells strictly between 0 and 100, so F1 arithmetic (not only all-or-nothing) is compared
    const cells = fx.runs.flatMap((r) => Object.values(r.authors).map((c) => c.f1Raw));
    expect(cells.some((v) => v > 0 && v < 100)).toBe(true);
  });

  for (const run of fx.runs) {
    it(`${run.name}: every cell of our aggregate equals the authors' (F1 and EM)`, () => {
      const table = aggregateRecords(run.records, ['en', 'zh']);
      expect(table.columns.map((c) => c.id)).toEqual(Object.keys(run.authors));
      table.columns.forEach((col, i) => {
        const want = run.authors[col.id];
        expect(table.counts[i]).toBe(run.records.length);
        expect(table.f1[i]! * 100, `${col.id} F1`).toBeCloseTo(want.f1Raw, 10);
        expect(table.em[i]! * 100, `${col.id} EM`).toBeCloseTo(want.emRaw, 10);
        // the rounded numbers the script printed
        expect(myAvg(table.f1[i]!), `${col.id} F1 printed`).toBe(want.f1);
        expect(myAvg(table.em[i]!), `${col.id} EM printed`).toBe(want.em);
      });
    });
  }
});
