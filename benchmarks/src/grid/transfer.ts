/**
 * The s × t transfer view of a cell: for each metric family (reliability, generality, locality,
 * portability), the mean score in every evaluation language t of the edits made in the cell's source
 * language s. A grid's rows for every source language stack into the s × t matrix per method and family.
 * The paper's two-language table is the special case s, t ∈ {en, zh} (its Reli. column is the diagonal).
 */
import type { AggregateTable, EditRecord } from '@crossedit/eval';
import { aggregateRecords } from '@crossedit/eval';

/** The metric families, in the paper's column order. */
export const FAMILIES = ['reliability', 'generality', 'locality', 'portability'] as const;
export type Family = (typeof FAMILIES)[number];

/** Mean F1 / EM per family and evaluation language (fractions; null where no item). */
export interface TransferRow {
  /** Evaluation languages (the columns). */
  langs: string[];
  f1: Record<Family, (number | null)[]>;
  em: Record<Family, (number | null)[]>;
}

const kindFamily: Record<string, Family> = { rewrite: 'reliability', rephrase: 'generality', locality: 'locality', portability: 'portability' };

/** The transfer row of a cell's records (items grouped by kind and language; each item weighs the same). */
export function transferRow(records: readonly Pick<EditRecord, 'items'>[], langs: readonly string[]): TransferRow {
  const at = new Map(langs.map((l, i) => [l, i]));
  const zero = () => Object.fromEntries(FAMILIES.map((f) => [f, langs.map(() => 0)])) as Record<Family, number[]>;
  const sum = { f1: zero(), em: zero() };
  const n = zero();
  for (const r of records) {
    for (const it of r.items) {
      const f = kindFamily[it.kind];
      const i = at.get(it.lang);
      if (!f || i === undefined) continue;
      sum.f1[f][i] += it.f1;
      sum.em[f][i] += it.em;
      n[f][i] += 1;
    }
  }
  const mean = (s: Record<Family, number[]>) => Object.fromEntries(FAMILIES.map((f) => [f, s[f].map((v, i) => (n[f][i] ? v / n[f][i] : null))])) as Record<Family, (number | null)[]>;
  return { langs: [...langs], f1: mean(sum.f1), em: mean(sum.em) };
}

/**
 * The paper-layout aggregate of a cell's records: reliability is scored in the source language only, so
 * the cross-lingual reliability items of a many-language grid (`transferCase`) are left out of it.
 */
export function paperAggregate(records: readonly EditRecord[], langs: readonly string[], sourceLang: string): AggregateTable {
  const own = records.map((r) => ({ ...r, items: r.items.filter((it) => it.kind !== 'rewrite' || it.lang === sourceLang) }));
  return aggregateRecords(own, langs);
}
