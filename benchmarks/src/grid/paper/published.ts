/**
 * The paper's published results as data (`published.json`, extracted by `benchmarks/scripts/extract-published.ts`
 * from the results tables of the Bi-ZsRE repository README), with the table and row each number comes from,
 * so the report can put them beside the grid's and show the difference.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** One published row: a method edited in one language, F1 and EM ×100 in the paper's column order. */
export interface PublishedRow {
  method: string;
  /** The row as the source prints it (`ROME (En)`). */
  label: string;
  sourceLang: string;
  /** Line of the row in the source file. */
  line: number;
  f1: number[];
  em: number[];
}

/** One published table: a backbone. */
export interface PublishedTable {
  /** crossedit's backbone plugin id (`chinese-llama2`). */
  backbone: string;
  /** The backbone as the source names it (`Chinese-LLaMA2-7B`). */
  title: string;
  /** Line of the table's caption in the source file. */
  line: number;
  rows: PublishedRow[];
}

/** The file's content. */
export interface Published {
  format: 'crossedit.published/1';
  source: { paper: string; repository: string; commit: string; file: string; section: string; note: string };
  /** Metric ids of the columns (`reliability`, `generality.en`, …). */
  columns: string[];
  tables: PublishedTable[];
}

let cache: Published | undefined;

/** The published results (read once). */
export function published(): Published {
  cache ??= JSON.parse(readFileSync(fileURLToPath(new URL('./published.json', import.meta.url)), 'utf8')) as Published;
  return cache;
}

/** A published number and where it comes from. */
export interface PublishedValue {
  value: number;
  /** `krystalan/Bi-ZsRE@6ae5fc4 README.md:165 (Chinese-LLaMA2-7B table, row "ROME (En)")`. */
  provenance: string;
}

/** The published row of a backbone × method × source language, or undefined. */
export function publishedRow(backbone: string, method: string, sourceLang: string): { table: PublishedTable; row: PublishedRow } | undefined {
  const table = published().tables.find((t) => t.backbone === backbone);
  const row = table?.rows.find((r) => r.method === method && r.sourceLang === sourceLang);
  return table && row ? { table, row } : undefined;
}

/** Where a published row comes from, as one line. */
export function provenance(table: PublishedTable, row: PublishedRow): string {
  const s = published().source;
  return `${s.repository}@${s.commit.slice(0, 7)} ${s.file}:${row.line} (${s.section}, ${table.title} table, row "${row.label}")`;
}

/** The backbones the paper reports. */
export function publishedBackbones(): string[] {
  return published().tables.map((t) => t.backbone);
}
