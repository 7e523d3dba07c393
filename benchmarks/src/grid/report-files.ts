/**
 * Writes a report's files into a results folder: `report.md`, `report.json`, `report.html` and the
 * figures as SVG under `figures/` (`radar.svg`, `training-scale.svg`, `heatmap-<method>.svg`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { heatmapSvgs, radarSvg, trainingScaleSpec, vegaLiteToSvg } from './figures.js';
import { reportHtml, type ReportFigures } from './html.js';
import { reportMarkdown, trainingScaleCaption, type GridReport } from './report.js';
import { readTrainingScale } from '@crossedit/editor-training';

/** Renders the report's figures (the training-scale curves from `report.trainingScale.file` when it exists). */
export async function renderFigures(r: GridReport): Promise<ReportFigures> {
  const radar = await radarSvg(r);
  const ts = r.trainingScale?.present ? readTrainingScale(r.trainingScale.file) : undefined;
  const trainingScale = ts && ts.points.length ? await vegaLiteToSvg(trainingScaleSpec(ts)) : undefined;
  const heatmaps = r.languages.length > 2 ? await heatmapSvgs(r, 'f1') : [];
  return { ...(radar ? { radar } : {}), ...(trainingScale ? { trainingScale } : {}), heatmaps };
}

const slug = (s: string) => s.replace(/[^\w.-]+/g, '-');

/** Writes every report file; returns their paths. Sets `r.figures` to the figure files written. */
export async function writeReportFiles(outDir: string, r: GridReport): Promise<string[]> {
  const figs = await renderFigures(r);
  mkdirSync(path.join(outDir, 'figures'), { recursive: true });
  const files: [string, string][] = [];
  const figures: { file: string; caption: string }[] = [];
  const add = (file: string, caption: string, svg: string) => {
    files.push([file, svg]);
    figures.push({ file, caption });
  };
  if (figs.radar) add('figures/radar.svg', 'Radar chart (Figure 2 layout): F1 per backbone × edit language', figs.radar);
  if (figs.trainingScale && r.trainingScale) add('figures/training-scale.svg', trainingScaleCaption(r.trainingScale), figs.trainingScale);
  for (const h of figs.heatmaps) add(`figures/heatmap-${slug(h.method)}.svg`, `Transfer heatmaps of ${h.method}`, h.svg);
  r.figures = figures;
  files.push(['report.md', reportMarkdown(r)], ['report.json', JSON.stringify(r, null, 2) + '\n'], ['report.html', reportHtml(r, figs)]);
  for (const [f, text] of files) writeFileSync(path.join(outDir, f), text);
  return files.map(([f]) => path.join(outDir, f));
}
