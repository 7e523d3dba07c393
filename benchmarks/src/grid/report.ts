/**
 * The grid's report in the paper's layout: per backbone an F1 table and an EM table whose rows are
 * method × source language (`FT En→`, …, `FT Zh→`, …) and whose columns are Reli., Gene. En/Zh,
 * Loca. En/Zh, Port. En/Zh (values ×100), then a table of per-cell metadata (status, edits, weights and
 * hyperparameter hashes, timings, versions) and notes. Rendered as Markdown and for the terminal.
 */
import path from 'node:path';
import { langLabel, metricColumns, type AggregateTable } from '@crossedit/eval';
import type { CellMeta } from './cell.js';
import { provenance, publishedRow } from './paper/published.js';
import { duration, projectionLine, type GridTiming } from './timing.js';
import { FAMILIES, type TransferRow } from './transfer.js';

/** One row of the report: a cell, with its aggregate over the cell's requests when it has results. */
export interface GridRow {
  meta: CellMeta;
  aggregate?: AggregateTable;
  /** Mean scores per metric family and evaluation language (the cell's row of the s × t matrices). */
  transfer?: TransferRow;
  /** Which runs (and shards) produced the cell's records: run id → records. */
  sources?: { run: string; records: number }[];
}

/** One invocation of the grid (or one shard of it) that contributed records. */
export interface GridRunInfo {
  /** `<host>-<pid>-<start time>`; cells list the runs their records come from. */
  id: string;
  host: string;
  started: string;
  /** `i/n` for a shard. */
  shard?: string;
  /** The results folder it wrote. */
  outDir: string;
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
  /** The runs (and shards) whose records the report holds. */
  runs?: GridRunInfo[];
  /** `i/n` when the report covers one shard only. */
  shard?: string;
  /** The figure files written beside the report (`figures/radar.svg`, …), linked from `report.md`. */
  figures?: { file: string; caption: string }[];
  /** The training-scale data file looked for (Figure 3) and whether it was there. */
  trainingScale?: TrainingScaleSource;
  /** Per-method time per edit and the projected time of the whole dataset (see `timing.ts`). */
  timing?: GridTiming;
}

/** Where a report's Figure 3 data comes from. */
export interface TrainingScaleSource {
  file: string;
  present: boolean;
  /**
   * `config`: the file the grid config names (`--training-scale`); `run`: the run's own
   * `<outDir>/training-scale.json`; `committed`: the run has none, so the committed study
   * (`docs/grid/training-scale.json`) is drawn. Absent in reports written before it existed.
   */
  origin?: 'config' | 'run' | 'committed';
  /** With `committed`: the run's own file that was looked for first. */
  looked?: string;
}

/** The caption of Figure 3: what it shows and where its data came from. */
export function trainingScaleCaption(t: TrainingScaleSource): string {
  const what = 'Training-scale curves (Figure 3 layout): score against training samples';
  if (t.origin === 'committed') return `${what}; data from the committed study ${path.relative(process.cwd(), t.file) || t.file} (this run has no ${path.basename(t.looked ?? 'training-scale.json')}; \`pnpm bench training-scale\` writes a run's own, see docs/grid.md)`;
  return `${what}; data from ${t.file}${t.origin === 'config' ? ' (--training-scale)' : ''}`;
}

/** A table: header and body cells; `align[i]` right-aligns numeric columns. */
export interface Table {
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
    head: ['Method', 'Src', 'Status', 'Edits', 'Failed', 'Weights', 'Dtype', 'Backend', 'Hparams', 'Scorer', 'Edit/eval per edit', 'Wall', 'Runs', 'From run', 'Versions'],
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
        m.dtype ?? '—',
        m.backend ?? '—',
        short(m.hparamsHash),
        m.scorer ?? '—',
        t.meanEditMs === undefined ? '—' : `${ms(t.meanEditMs)} / ${ms(t.meanEvaluateMs)}`,
        ms(t.wallMs),
        String(t.runs),
        x.sources?.map((q) => (x.sources!.length > 1 ? `${q.run} (${q.records})` : q.run)).join(', ') ?? '—',
        versions(m),
      ];
    }),
    right: [false, false, false, true, true, false, false, false, false, false, true, true, true, false, false],
  };
}

/** Our F1 / EM beside the paper's for a backbone the paper reports: `ours (paper, Δ)` per column; undefined for other backbones. */
export function comparisonTable(r: GridReport, backbone: string, which: 'f1' | 'em'): (Table & { sources: string[] }) | undefined {
  if (r.languages.join(',') !== 'en,zh') return undefined;
  const rows = r.rows.filter((x) => x.meta.backbone === backbone);
  const found = rows.map((x) => publishedRow(backbone, x.meta.methodId, x.meta.sourceLang) ?? publishedRow(backbone, x.meta.method, x.meta.sourceLang));
  if (!found.some(Boolean)) return undefined;
  const cols = metricColumns(r.languages);
  const sources: string[] = [];
  const body = rows.map((x, k) => {
    const p = found[k];
    if (p) sources.push(`${x.meta.label} ${sourceLabel(x.meta.sourceLang)}: ${provenance(p.table, p.row)}`);
    return [
      x.meta.label,
      sourceLabel(x.meta.sourceLang),
      ...cols.map((_, i) => {
        const ours = x.aggregate?.[which][i];
        const paper = p?.row[which][i];
        if (paper === undefined) return fmt(ours);
        if (ours === null || ours === undefined) return `— (${paper.toFixed(2)})`;
        const d = ours * 100 - paper;
        return `${fmt(ours)} (${paper.toFixed(2)}, ${d >= 0 ? '+' : '−'}${Math.abs(d).toFixed(2)})`;
      }),
    ];
  });
  return { head: ['Method', 'Src', ...cols.map((c) => c.label)], body, right: [false, false, ...cols.map(() => true)], sources };
}

/** The s × t matrix of one backbone × method × family: rows = edit languages, columns = evaluation languages. */
export function transferTable(r: GridReport, backbone: string, method: string, family: (typeof FAMILIES)[number], which: 'f1' | 'em'): Table | undefined {
  const rows = r.rows.filter((x) => x.meta.backbone === backbone && x.meta.method === method && x.transfer);
  if (!rows.length) return undefined;
  const langs = rows[0].transfer!.langs;
  return {
    head: ['edited in ↓ / evaluated in →', ...langs.map(langLabel)],
    body: rows.map((x) => [langLabel(x.meta.sourceLang), ...x.transfer![which][family].map((v) => fmt(v, 1))]),
    right: [false, ...langs.map(() => true)],
  };
}

/** Per-method seconds per edit (steady state) and each method's share of the projected full grid. */
export function timingTable(t: GridTiming): Table {
  return {
    head: ['Method', 'Edits', 'Edit', 'Eval', 'Restore', 'Per edit', 'CPU per edit', 'One-off', 'Projected (1 process)'],
    body: t.methods.map((m) => [m.label, String(m.edits), ms(m.editMs), ms(m.evaluateMs), ms(m.restoreMs), ms(m.totalMs), ms(m.cpuMs), ms(m.setupMs), duration(m.projectedMs)]),
    right: [false, true, true, true, true, true, true, true, true],
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
  return `${r.shard ? `shard ${r.shard} of ` : ''}${r.dataset}${r.datasetSha256 ? ` (sha256 ${r.datasetSha256.slice(0, 12)})` : ''}, ${r.records} records per source language, scorer ${r.scorer}, schedule ${r.schedule}, backend ${r.backend}, F1 tokenizer ${r.f1Tokenizer}`;
}

/**
 * The report as Markdown.
 * @example writeFileSync('out/grid/report.md', reportMarkdown(report));
 */
export function reportMarkdown(r: GridReport): string {
  const out = [`# ${r.name}`, '', `${describe(r)}. Scores ×100; rows are the edit language (En→: edits in English), columns the evaluation language.`, ''];
  if (r.figures?.length) out.push(...r.figures.flatMap((f) => [`![${f.caption}](${f.file})`, '']));
  if (r.trainingScale && !r.trainingScale.present) out.push(`Figure 3 (training-scale curves of SERAC, IKE, MEND): no data, ${r.trainingScale.file} does not exist (the trained-editor training command writes it).`, '');
  for (const bb of reportBackbones(r)) {
    out.push(`## ${bb}`, '', '### F1', '', markdownTable(scoreTable(r, bb, 'f1')), '', '### EM', '', markdownTable(scoreTable(r, bb, 'em')), '');
    for (const which of ['f1', 'em'] as const) {
      const cmp = comparisonTable(r, bb, which);
      if (!cmp) continue;
      out.push(`### ${which.toUpperCase()} beside the paper's`, '', "Ours (the paper's, ours − paper). Published numbers and where each row comes from:", '');
      out.push(markdownTable(cmp), '', ...cmp.sources.map((q) => `- ${q}`), '');
    }
    if (r.languages.length > 2) {
      out.push('### Transfer matrices (F1)', '');
      for (const m of [...new Set(r.rows.filter((x) => x.meta.backbone === bb && x.transfer).map((x) => x.meta.method))]) {
        for (const f of FAMILIES) {
          const t = transferTable(r, bb, m, f, 'f1');
          if (t) out.push(`#### ${r.rows.find((x) => x.meta.method === m)!.meta.label} — ${f}`, '', markdownTable(t), '');
        }
      }
    }
    out.push('### Cells', '', markdownTable(cellTable(r, bb)), '');
    const notes = cellNotes(r, bb);
    if (notes.length) out.push(...notes.map((n) => `- ${n}`), '');
  }
  if (r.timing?.methods.length) {
    out.push('## Time per edit', '', 'Steady-state means per edit (a cell\'s first record left out as warm-up when it has three or more); one-off: statistics, banks, templates.', '');
    out.push(markdownTable(timingTable(r.timing)), '', projectionLine(r.timing), '');
  }
  if (r.notes.length) out.push('## Notes', '', ...r.notes.map((n) => `- ${n}`), '');
  if (r.runs?.length) {
    out.push('## Runs', '', 'The cells table names the run each cell\'s records come from.', '');
    out.push(markdownTable({ head: ['Run', 'Host', 'Started', 'Shard', 'Results folder'], body: r.runs.map((x) => [x.id, x.host, x.started, x.shard ?? '—', x.outDir]), right: [false, false, false, false, false] }), '');
  }
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
  if (r.timing?.methods.length) out.push('== time per edit', textTable(timingTable(r.timing)), projectionLine(r.timing), '');
  out.push(...r.notes.map((n) => `note: ${n}`));
  return out.join('\n').replace(/\n+$/, '') + '\n';
}
