/**
 * `report.html`: one self-contained page with the report's tables (the paper's F1 / EM layout, ours beside
 * the paper's, transfer matrices, cells, runs) and its figures (SVG, inlined). No script, no network.
 */
import { FAMILIES } from './transfer.js';
import { cellTable, comparisonTable, reportBackbones, scoreTable, trainingScaleCaption, transferTable, type GridReport, type Table } from './report.js';

/** The figures a page shows (SVG markup), by role. */
export interface ReportFigures {
  radar?: string;
  trainingScale?: string;
  heatmaps: { method: string; svg: string }[];
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function htmlTable(t: Table, id: string): string {
  const th = t.head.map((h) => `<th>${esc(h)}</th>`).join('');
  const rows = t.body.map((r) => `<tr>${r.map((c, i) => `<td${t.right[i] ? ' class="num"' : ''}>${esc(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table id="${esc(id)}"><thead><tr>${th}</tr></thead><tbody>\n${rows}\n</tbody></table>`;
}

const figure = (id: string, caption: string, svg: string) => `<figure id="${esc(id)}">${svg}<figcaption>${esc(caption)}</figcaption></figure>`;

/**
 * The report page.
 * @example writeFileSync('out/grid/report.html', reportHtml(report, { radar, heatmaps: [] }));
 */
export function reportHtml(r: GridReport, figs: ReportFigures): string {
  const body: string[] = [`<h1>${esc(r.name)}</h1>`];
  body.push(
    `<p class="describe">${esc(`${r.shard ? `shard ${r.shard} of ` : ''}${r.dataset}, ${r.records} records per edit language, languages ${r.languages.join(', ')}, scorer ${r.scorer}, schedule ${r.schedule}, backend ${r.backend}, F1 tokenizer ${r.f1Tokenizer}`)}. Scores ×100.</p>`,
  );
  body.push('<h2>Figures</h2>');
  if (figs.radar) body.push(figure('radar', 'Figure 2 layout: F1 per backbone × edit language over Reli., Gene., Loca., Port. in each language (mean over methods).', figs.radar));
  else body.push('<p id="radar-missing">No cell has scores yet, so there is no radar chart.</p>');
  if (figs.trainingScale && r.trainingScale) body.push(figure('training-scale', `${trainingScaleCaption(r.trainingScale)}.`, figs.trainingScale));
  else body.push(`<p id="training-scale-missing">Figure 3 (training-scale curves of SERAC, IKE, MEND): no data — ${esc(r.trainingScale?.file ?? 'no training-scale file')} does not exist. The trained-editor training command writes it.</p>`);
  for (const [i, h] of figs.heatmaps.entries()) body.push(figure(`heatmap-${i}`, `Transfer heatmaps of ${h.method}`, h.svg));
  for (const bb of reportBackbones(r)) {
    body.push(`<h2 id="bb-${esc(bb)}">${esc(bb)}</h2>`);
    body.push('<h3>F1</h3>', htmlTable(scoreTable(r, bb, 'f1'), `f1-${bb}`), '<h3>EM</h3>', htmlTable(scoreTable(r, bb, 'em'), `em-${bb}`));
    for (const which of ['f1', 'em'] as const) {
      const cmp = comparisonTable(r, bb, which);
      if (!cmp) continue;
      body.push(`<h3>${which.toUpperCase()} beside the paper's (ours (paper, ours − paper))</h3>`, htmlTable(cmp, `cmp-${which}-${bb}`), `<ul class="sources">${cmp.sources.map((q) => `<li>${esc(q)}</li>`).join('')}</ul>`);
    }
    if (r.languages.length > 2) {
      for (const m of [...new Set(r.rows.filter((x) => x.meta.backbone === bb && x.transfer).map((x) => x.meta.method))]) {
        for (const f of FAMILIES) {
          const t = transferTable(r, bb, m, f, 'f1');
          if (t) body.push(`<h4>${esc(`${m} — ${f} (F1)`)}</h4>`, htmlTable(t, `transfer-${bb}-${m}-${f}`));
        }
      }
    }
    body.push('<h3>Cells</h3>', htmlTable(cellTable(r, bb), `cells-${bb}`));
    const notes = r.rows.filter((x) => x.meta.backbone === bb && x.meta.note).map((x) => `${x.meta.label} ${x.meta.sourceLang} (${x.meta.status}): ${x.meta.note}`);
    if (notes.length) body.push(`<ul class="notes">${notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>`);
  }
  if (r.notes.length) body.push('<h2>Notes</h2>', `<ul>${r.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>`);
  if (r.runs?.length) {
    body.push('<h2>Runs</h2>', htmlTable({ head: ['Run', 'Host', 'Started', 'Shard', 'Results folder'], body: r.runs.map((x) => [x.id, x.host, x.started, x.shard ?? '—', x.outDir]), right: [false, false, false, false, false] }, 'runs'));
  }
  body.push(`<p class="generated">Generated ${esc(r.created)}.</p>`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(r.name)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: 3px 7px; }
th { background: #f3f3f3; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1em 0; }
figcaption { font-size: 13px; color: #555; }
</style></head>
<body>
${body.join('\n')}
</body></html>
`;
}
