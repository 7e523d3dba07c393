/**
 * The grid's report in the paper's layout: per backbone an F1 table and an EM table whose rows are
 * method × source language (`FT En→`, …, `FT Zh→`, …) and whose columns are Reli., Gene. En/Zh,
 * Loca. En/Zh, Port. En/Zh (values ×100), then a table of per-cell metadata (status, edits, weights and
 * hyperparameter hashes, timings, versions) and notes. Rendered as Markdown and for the terminal.
 */
import { langLabel, metricColumns, type AggregateTable } from '@crossedit/eval';
import type { CellMeta } from './cell.js';

/** One row of the report: a cell, with its aggregate over the cell's requests when it has results. */
export interface GridRow {
  meta: CellMeta;
  aggregate?: AggregateTable;
}

/** The whole report (also written as `report.json`). */
export interface GridReport {
  name: string;
  dataset: string;
  datasetSha256?: string;
  /** Evaluation languages (table columns). */
  languages: string[];
  /** Source languages in row order. */
  sourceLangs: string[];
  /** Records per source language. */
  records: number;
  scorer: string;
  schedule: string;
  backend: string;
  f1Tokenizer: string;
  /** ISO time the report was made. */
  created: string;
  /** Rows grouped by backbone in config order; in each, source language then method order. */
  rows: GridRow[];
  /** Grid-level notes (fallbacks, skipped backbones). */
  notes: string[];
}

/** A table: header and body cells; `align[i]` right-aligns numeric columns. */
interface Table {
  head: string[];
  body: string[][];
  right: boolean[];
}

const fmt = (v: number | null | undefined, digits = 2) => (v === null || v === undefined || Number.isNaN(v) ? '—' : (v * 100).toFixed(digits));
const ms = (v: number | undefined) => (v === undefined ? '—' : v < 1000 ? `${v.toFixed(0)} ms` : `${(v / 1000).toFixed(1)} s`);
const short = (h: string | undefined) => (h ? h.slice(0, 12) : '—');

/** `En→`, `Zh→`. */
export function sourceLabel(lang: string): string {
  return `${langLabel(lang)}→`;
}

/** The backbones of a report in order of first appearance. */
export function reportBackbones(r: GridReport): string[] {
  return [...new Set(r.rows.map((x) => x.meta.backbone))];
}

/** The score table (`f1` or `em`) of one backbone. */
export function scoreTable(r: GridReport, backbone: string, which: 'f1' | 'em' | 'tokenAcc'): Table {
  const cols = metricColumns(r.languages);
  const rows = r.rows.filter((x) => x.meta.backbone === backbone);
  return {
    head: ['Method', 'Src', ...cols.map((c) => c.label)],
    body: rows.map((x) => [x.meta.label, sourceLabel(x.meta.sourceLang), ...cols.map((_, i) => fmt(x.aggregate?.[which][i]))]),
    right: [false, false, ...cols.map(() => true)],
  };
}

/** The per-cell metadata table of one backbone. */
export function cellTable(r: GridReport, backbone: string): Table {
  const rows = r.rows.filter((x) => x.meta.backbone === backbone);
  const versions = (m: CellMeta) =>
    Object.entries(m.versions ?? {})
      .filter(([k]) => k === 'node' || /method-|backbone-|core$|eval$/.test(k))
      .map(([k, v]) => `${k.replace('@crossedit/', '')} ${v}`)
      .join(', ') || '—';
  return {
    head: ['Method', 'Src', 'Status', 'Edits', 'Failed', 'Weights', 'Hparams', 'Edit/eval per edit', 'Wall', 'Runs', 'Versions'],
    body: rows.map((x) => {
      const m = x.meta;
      const t = m.timings;
      return [
        m.label,
        sourceLabel(m.sourceLang),
        m.status,
        x.aggregate ? String(x.aggregate.edits) : '0',
        x.aggregate ? String(x.aggregate.failed) : '0',
        short(m.weightsHash),
        short(m.hparamsHash),
        t.meanEditMs === undefined ? '—' : `${ms(t.meanEditMs)} / ${ms(t.meanEvaluateMs)}`,
        ms(t.wallMs),
        String(t.runs),
        versions(m),
      ];
    }),
    right: [false, false, false, true, true, false, false, true, true, true, false],
  };
}

/** Notes of one backbone's cells (skipped, failed, fallbacks). */
function cellNotes(r: GridReport, backbone: string): string[] {
  return r.rows.filter((x) => x.meta.backbone === backbone && x.meta.note).map((x) => `${x.meta.label} ${sourceLabel(x.meta.sourceLang)} (${x.meta.status}): ${x.meta.note}`);
}

function markdownTable(t: Table): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  return [
    `| ${t.head.map(esc).join(' | ')} |`,
    `|${t.right.map((r) => (r ? '---:' : '---')).join('|')}|`,
    ...t.body.map((row) => `| ${row.map(esc).join(' | ')} |`),
  ].join('\n');
}

function textTable(t: Table): string {
  const width = t.head.map((h, i) => Math.max(h.length, ...t.body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (t.right[i] ? c.padStart(width[i]) : c.padEnd(width[i]))).join('  ').trimEnd();
  return [line(t.head), width.map((w) => '-'.repeat(w)).join('  '), ...t.body.map(line)].join('\n');
}

function describe(r: GridReport): string {
  return `${r.dataset}${r.datasetSha256 ? ` (sha256 ${r.datasetSha256.slice(0, 12)})` : ''}, ${r.records} records per source language, scorer ${r.scorer}, schedule ${r.schedule}, backend ${r.backend}, F1 tokenizer ${r.f1Tokenizer}`;
}

/**
 * The report as Markdown.
 * @example writeFileSync('out/grid/report.md', reportMarkdown(report));
 */
export function reportMarkdown(r: GridReport): string {
  const out = [`# ${r.name}`, '', `${describe(r)}. Scores ×100; rows are the edit language (En→: edits in English), columns the evaluation language.`, ''];
  for (const bb of reportBackbones(r)) {
    out.push(`## ${bb}`, '', '### F1', '', markdownTable(scoreTable(r, bb, 'f1')), '', '### EM', '', markdownTable(scoreTable(r, bb, 'em')), '');
    out.push('### Cells', '', markdownTable(cellTable(r, bb)), '');
    const notes = cellNotes(r, bb);
    if (notes.length) out.push(...notes.map((n) => `- ${n}`), '');
  }
  if (r.notes.length) out.push('## Notes', '', ...r.notes.map((n) => `- ${n}`), '');
  out.push(`Generated ${r.created}. Each cell's records: \`<backbone>/<method>-<src>/results.jsonl\`; metadata: \`cell.json\`.`, '');
  return out.join('\n');
}

/** The report for the terminal (fixed-width tables). */
export function reportText(r: GridReport): string {
  const out = [r.name, describe(r), ''];
  for (const bb of reportBackbones(r)) {
    out.push(`== ${bb} — F1`, textTable(scoreTable(r, bb, 'f1')), '', `== ${bb} — EM`, textTable(scoreTable(r, bb, 'em')), '', `== ${bb} — cells`, textTable(cellTable(r, bb)), '');
    out.push(...cellNotes(r, bb).map((n) => `note: ${n}`));
  }
  out.push(...r.notes.map((n) => `note: ${n}`));
  return out.join('\n').replace(/\n+$/, '') + '\n';
}
