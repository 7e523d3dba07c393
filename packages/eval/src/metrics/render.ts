/** The aggregate table for people: a terminal table and Markdown, values ×100. */
import type { AggregateTable } from './aggregate.js';

/** Which rows to show. */
export type TableRow = 'f1' | 'em' | 'tokenAcc';

/** Options of the renderers. */
export interface RenderOptions {
  /** Rows, in order (default F1 then EM, as the paper). */
  rows?: readonly TableRow[];
  /** Decimals (default 2). */
  digits?: number;
  /** A title line (terminal) or caption (Markdown). */
  title?: string;
}

const ROW_LABEL: Record<TableRow, string> = { f1: 'F1', em: 'EM', tokenAcc: 'Tok. acc.' };

function cell(v: number | null, digits: number): string {
  return v === null || Number.isNaN(v) ? '—' : (v * 100).toFixed(digits);
}

function rowsOf(table: AggregateTable, o: RenderOptions): { label: string; cells: string[] }[] {
  const digits = o.digits ?? 2;
  return (o.rows ?? ['f1', 'em']).map((r) => ({ label: ROW_LABEL[r], cells: table[r].map((v) => cell(v, digits)) }));
}

/**
 * A fixed-width table for the terminal, in the paper's column order.
 * @example
 * console.log(formatTable(table, { title: 'ROME · chinese-llama-plus-7b · en→' }));
 */
export function formatTable(table: AggregateTable, opts: RenderOptions = {}): string {
  const rows = rowsOf(table, opts);
  const heads = table.columns.map((c) => c.label);
  const first = Math.max(...rows.map((r) => r.label.length), 0);
  const widths = heads.map((h, i) => Math.max(h.length, ...rows.map((r) => r.cells[i].length)));
  const line = (label: string, cells: string[]) => [label.padEnd(first), ...cells.map((c, i) => c.padStart(widths[i]))].join('  ');
  const out: string[] = [];
  if (opts.title) out.push(opts.title);
  out.push(line('', heads));
  for (const r of rows) out.push(line(r.label, r.cells));
  const note = `${table.edits} edit${table.edits === 1 ? '' : 's'}${table.failed ? `, ${table.failed} failed` : ''}`;
  out.push(note);
  return out.join('\n');
}

/** The table as Markdown (a header row of column titles, one row per metric kind). */
export function toMarkdown(table: AggregateTable, opts: RenderOptions = {}): string {
  const rows = rowsOf(table, opts);
  const out: string[] = [];
  if (opts.title) out.push(`**${opts.title}**`, '');
  out.push(`| | ${table.columns.map((c) => c.label).join(' | ')} |`);
  out.push(`|---|${table.columns.map(() => '---:').join('|')}|`);
  for (const r of rows) out.push(`| ${r.label} | ${r.cells.join(' | ')} |`);
  return out.join('\n') + '\n';
}
