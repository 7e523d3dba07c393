/** Per-edit item scores → the aggregate table (means per metric column). */
import { metricColumns, type MetricColumn } from './columns.js';

/** The least an edit record must carry to be aggregated. */
export interface ScoredRecord {
  items: readonly { metric: string; f1: number; em: number; tokenAcc: number }[];
  /** A failed edit (it has no items and is counted in `failed`). */
  error?: string;
}

/** Mean scores per column, as fractions in [0, 1] (`null` where a column has no items). */
export interface AggregateTable {
  columns: MetricColumn[];
  f1: (number | null)[];
  em: (number | null)[];
  tokenAcc: (number | null)[];
  /** Items averaged per column. */
  counts: number[];
  /** Edit records aggregated (failed ones included). */
  edits: number;
  /** Edit records that failed. */
  failed: number;
}

/**
 * Averages item scores per metric column (each item weighs the same, as the paper's `my_avg`).
 * Failed edits count in `failed` and add no items.
 * @param langs evaluation languages in table order (the dataset's `languages`)
 * @throws Error for an item whose metric is not a column of `langs`.
 * @example
 * const table = aggregateRecords(records, ['en', 'zh']);
 * table.columns[0].label; // 'Reli.'
 */
export function aggregateRecords(records: readonly ScoredRecord[], langs: readonly string[]): AggregateTable {
  const columns = metricColumns(langs);
  const at = new Map(columns.map((c, i) => [c.id as string, i]));
  const n = columns.length;
  const sum = { f1: new Array<number>(n).fill(0), em: new Array<number>(n).fill(0), tokenAcc: new Array<number>(n).fill(0) };
  const counts = new Array<number>(n).fill(0);
  let failed = 0;
  for (const r of records) {
    if (r.error) failed++;
    for (const it of r.items) {
      const i = at.get(it.metric);
      if (i === undefined) throw new Error(`aggregateRecords: item metric "${it.metric}" is not a column for languages ${langs.join(', ')}`);
      sum.f1[i] += it.f1;
      sum.em[i] += it.em;
      sum.tokenAcc[i] += it.tokenAcc;
      counts[i]++;
    }
  }
  const mean = (s: number[]) => s.map((v, i) => (counts[i] ? v / counts[i] : null));
  return { columns, f1: mean(sum.f1), em: mean(sum.em), tokenAcc: mean(sum.tokenAcc), counts, edits: records.length, failed };
}
