/**
 * The report's figures as Vega / Vega-Lite specifications, rendered to SVG in Node by `vega` (no browser,
 * no canvas): the radar chart of the paper's Figure 2 (one polygon per backbone × edit language over Reli.,
 * Gene. En/Zh, Loca. En/Zh, Port. En/Zh), the training-scale curves of its Figure 3, and the s × t transfer
 * heatmaps of a many-language grid. The specs are data-driven: they are built from the report's numbers
 * and nothing in the drawing is hand-placed.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { langLabel, metricColumns } from '@crossedit/eval';
import type { GridReport } from './report.js';
import { sourceLabel } from './report.js';
import { FAMILIES, type Family } from './transfer.js';
import type { TrainingScaleFile } from '@crossedit/editor-training';

/** Renders a Vega spec to an SVG string. */
export async function vegaToSvg(spec: vega.Spec): Promise<string> {
  const view = new vega.View(vega.parse(spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Renders a Vega-Lite spec to an SVG string (compiled to Vega first). */
export async function vegaLiteToSvg(spec: TopLevelSpec): Promise<string> {
  return vegaToSvg(compile(spec).spec);
}

/** One radar point: a series (backbone × edit language), an axis (metric column) and an F1 value ×100. */
export interface RadarPoint {
  series: string;
  axis: string;
  value: number;
}

/** The radar's points: one series per backbone × source language that has scores (F1 of `method`, or of the mean over methods). */
export function radarPoints(r: GridReport, method?: string): RadarPoint[] {
  const cols = metricColumns(r.languages);
  const out: RadarPoint[] = [];
  const series = new Map<string, { sum: number[]; n: number[] }>();
  for (const row of r.rows) {
    if (!row.aggregate || (method && row.meta.method !== method)) continue;
    const key = `${row.meta.backbone} ${sourceLabel(row.meta.sourceLang)}`;
    const s = series.get(key) ?? { sum: cols.map(() => 0), n: cols.map(() => 0) };
    row.aggregate.f1.forEach((v, i) => {
      if (v === null) return;
      s.sum[i] += v * 100;
      s.n[i] += 1;
    });
    series.set(key, s);
  }
  for (const [key, s] of series) cols.forEach((c, i) => s.n[i] && out.push({ series: key, axis: c.label, value: s.sum[i] / s.n[i] }));
  return out;
}

/**
 * Figure 2 as a Vega spec: a radar chart (a polar layout computed by Vega expressions from the data: one
 * spoke per metric column, one closed polygon per series, radius = F1 on a 0–100 scale).
 */
export function radarSpec(points: readonly RadarPoint[], opts: { title: string; axes: readonly string[]; size?: number }): vega.Spec {
  const size = opts.size ?? 360;
  const r = size / 2;
  return {
    $schema: 'https://vega.github.io/schema/vega/v6.json',
    description: opts.title,
    width: size,
    height: size,
    padding: { left: 60, right: 200, top: 50, bottom: 40 },
    autosize: 'none',
    title: { text: opts.title, anchor: 'start', offset: 30 },
    signals: [{ name: 'radius', value: r }],
    data: [
      { name: 'table', values: points.map((p) => ({ ...p })) },
      { name: 'axes', values: opts.axes.map((a, i) => ({ axis: a, i })) },
      { name: 'rings', values: [20, 40, 60, 80, 100].map((v) => ({ v })) },
    ],
    scales: [
      { name: 'angular', type: 'point', range: { signal: '[-PI, PI]' }, padding: 0.5, domain: opts.axes as string[] },
      { name: 'radial', type: 'linear', range: { signal: '[0, radius]' }, zero: true, nice: false, domain: [0, 100], domainMin: 0 },
      { name: 'color', type: 'ordinal', domain: { data: 'table', field: 'series' }, range: { scheme: 'category10' } },
    ],
    encode: { enter: { x: { signal: 'radius' }, y: { signal: 'radius' } } },
    legends: [{ fill: 'color', title: 'backbone × edit language', orient: 'none', legendX: r + 20, legendY: -r, titleLimit: 220, encode: { symbols: { update: { shape: { value: 'square' } } } } }],
    marks: [
      {
        type: 'group',
        name: 'categories',
        zindex: 1,
        from: { facet: { data: 'table', name: 'facet', groupby: ['series'] } },
        marks: [
          {
            type: 'line',
            name: 'polygon',
            from: { data: 'facet' },
            encode: {
              enter: {
                interpolate: { value: 'linear-closed' },
                x: { signal: "scale('radial', datum.value) * cos(scale('angular', datum.axis))" },
                y: { signal: "scale('radial', datum.value) * sin(scale('angular', datum.axis))" },
                stroke: { scale: 'color', field: 'series' },
                strokeWidth: { value: 2 },
                fill: { scale: 'color', field: 'series' },
                fillOpacity: { value: 0.12 },
              },
            },
          },
        ],
      },
      ...[20, 40, 60, 80, 100].map(
        (v): vega.Mark => ({
          type: 'line',
          from: { data: 'axes' },
          encode: {
            enter: {
              interpolate: { value: 'linear-closed' },
              x: { signal: `scale('radial', ${v}) * cos(scale('angular', datum.axis))` },
              y: { signal: `scale('radial', ${v}) * sin(scale('angular', datum.axis))` },
              stroke: { value: '#ccc' },
              strokeWidth: { value: 1 },
            },
          },
        }),
      ),
      {
        type: 'rule',
        name: 'spokes',
        from: { data: 'axes' },
        encode: {
          enter: {
            x: { value: 0 },
            y: { value: 0 },
            x2: { signal: "radius * cos(scale('angular', datum.axis))" },
            y2: { signal: "radius * sin(scale('angular', datum.axis))" },
            stroke: { value: '#999' },
            strokeWidth: { value: 1 },
          },
        },
      },
      {
        type: 'text',
        name: 'axis-label',
        from: { data: 'axes' },
        encode: {
          enter: {
            x: { signal: "(radius + 14) * cos(scale('angular', datum.axis))" },
            y: { signal: "(radius + 14) * sin(scale('angular', datum.axis))" },
            text: { field: 'axis' },
            align: { signal: "abs(cos(scale('angular', datum.axis))) < 0.2 ? 'center' : cos(scale('angular', datum.axis)) > 0 ? 'left' : 'right'" },
            baseline: { signal: "sin(scale('angular', datum.axis)) > 0.2 ? 'top' : sin(scale('angular', datum.axis)) < -0.2 ? 'bottom' : 'middle'" },
            fontSize: { value: 12 },
            fontWeight: { value: 'bold' },
          },
        },
      },
      {
        type: 'text',
        name: 'ring-label',
        from: { data: 'rings' },
        encode: { enter: { x: { value: 3 }, y: { signal: "-scale('radial', datum.v)" }, text: { field: 'v' }, fontSize: { value: 9 }, fill: { value: '#888' }, baseline: { value: 'bottom' } } },
      },
    ],
  };
}

/** Figure 2 for a report: the radar SVG (F1 of every method averaged, per backbone × edit language). */
export async function radarSvg(r: GridReport, method?: string): Promise<string | undefined> {
  const points = radarPoints(r, method);
  if (!points.length) return undefined;
  const axes = metricColumns(r.languages).map((c) => c.label);
  return vegaToSvg(radarSpec(points, { title: `F1 per backbone × edit language${method ? ` (${method})` : ' (mean over methods)'}`, axes }));
}

/** Figure 3 as a Vega-Lite spec: score against training samples, one line per method, a panel per metric × evaluation language. */
export function trainingScaleSpec(data: TrainingScaleFile, opts: { score?: string } = {}): TopLevelSpec {
  const score = opts.score ?? 'f1';
  const values = data.points
    .filter((p) => p.score === score)
    .map((p) => ({ method: p.method.toUpperCase(), series: `${p.method.toUpperCase()} ${sourceLabel(p.sourceLang)}`, samples: p.trainSamples, panel: `${p.metric} ${langLabel(p.evalLang)}`, value: p.value }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `${score.toUpperCase()} against training samples`,
    data: { values },
    facet: { field: 'panel', type: 'nominal', title: null },
    columns: 4,
    spec: {
      width: 180,
      height: 140,
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'samples', type: 'quantitative', scale: { type: 'log' }, title: 'training samples' },
        y: { field: 'value', type: 'quantitative', scale: { domain: [0, 100] }, title: `${score.toUpperCase()} ×100` },
        color: { field: 'series', type: 'nominal', title: 'method × edit language' },
      },
    },
  } as TopLevelSpec;
}

/** One heatmap cell. */
export interface HeatCell {
  method: string;
  family: Family;
  src: string;
  tgt: string;
  value: number | null;
}

/** Heatmap cells of a report: one per method × family × source × evaluation language (F1 or EM ×100). */
export function heatCells(r: GridReport, which: 'f1' | 'em' = 'f1'): HeatCell[] {
  const out: HeatCell[] = [];
  for (const row of r.rows) {
    const t = row.transfer;
    if (!t) continue;
    for (const family of FAMILIES) {
      t[which][family].forEach((v, i) => out.push({ method: `${row.meta.backbone} ${row.meta.label}`, family, src: row.meta.sourceLang, tgt: t.langs[i], value: v === null ? null : v * 100 }));
    }
  }
  return out;
}

/** The transfer heatmaps of one method as a Vega-Lite spec: a panel per metric family, rows = edit language, columns = evaluation language. */
export function heatmapSpec(cells: readonly HeatCell[], opts: { title: string; langs: readonly string[]; which: string }): TopLevelSpec {
  const values = cells.filter((c) => c.value !== null).map((c) => ({ ...c, value: Math.round(c.value! * 10) / 10 }));
  const sort = [...opts.langs];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: opts.title,
    data: { values },
    facet: { column: { field: 'family', type: 'nominal', sort: [...FAMILIES], title: null } },
    spec: {
      width: Math.max(160, opts.langs.length * 22),
      height: Math.max(160, opts.langs.length * 22),
      encoding: {
        x: { field: 'tgt', type: 'ordinal', sort, title: 'evaluated in' },
        y: { field: 'src', type: 'ordinal', sort, title: 'edited in' },
      },
      layer: [
        { mark: 'rect', encoding: { color: { field: 'value', type: 'quantitative', scale: { domain: [0, 100], scheme: 'viridis' }, title: `${opts.which.toUpperCase()} ×100` } } },
        {
          mark: { type: 'text', fontSize: 8 },
          encoding: { text: { field: 'value', type: 'quantitative', format: '.0f' }, color: { condition: { test: 'datum.value > 60', value: 'black' }, value: 'white' } },
        },
      ],
    },
    resolve: { scale: { color: 'shared' } },
  } as TopLevelSpec;
}

/** The transfer heatmap SVGs of a report, one per backbone × method (empty when no row has a transfer matrix). */
export async function heatmapSvgs(r: GridReport, which: 'f1' | 'em' = 'f1'): Promise<{ method: string; svg: string }[]> {
  const cells = heatCells(r, which);
  const langs = r.languages;
  const methods = [...new Set(cells.map((c) => c.method))];
  const out: { method: string; svg: string }[] = [];
  for (const m of methods) {
    const mine = cells.filter((c) => c.method === m);
    if (!mine.some((c) => c.value !== null)) continue;
    out.push({ method: m, svg: await vegaLiteToSvg(heatmapSpec(mine, { title: `${m}: ${which.toUpperCase()} ×100, edit language (rows) × evaluation language (columns)`, langs, which })) });
  }
  return out;
}
