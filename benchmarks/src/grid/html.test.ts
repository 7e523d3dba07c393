import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultDataset } from './grid.config.js';
import { randomLlamaBackbone, stringsOf } from './random-backbone.js';
import { runGrid } from './run.js';
import { launchChromium } from './testing/chromium.js';
import { prefixMethod } from './testing/small.grid.js';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(path.join(tmpdir(), 'ce-html-'));
  dirs.push(d);
  return d;
};
let browser: BrowserContext;
beforeAll(async () => {
  browser = await launchChromium(tmp());
}, 60_000);
afterAll(async () => {
  await browser?.close();
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});

describe('report.html in a headless browser', () => {
  it('renders the paper-layout tables, ours beside the published numbers, the radar chart and the training-scale curves', async () => {
    const dataset = defaultDataset();
    const texts = stringsOf((JSON.parse(readFileSync(dataset, 'utf8')) as unknown[]).slice(0, 2));
    // a random model under the id of a backbone the paper reports, so the comparison table appears
    const bb = randomLlamaBackbone({ id: 'chinese-llama2', texts, arch: { hiddenSize: 16, intermediateSize: 32, numLayers: 2, numHeads: 2, numKvHeads: 2, maxPositions: 256 }, seed: 5 });
    const out = tmp();
    const ts = path.join(out, 'training-scale.json');
    const points = [100, 500, 1000].flatMap((n, i) => ['ike', 'serac'].map((m) => ({ method: m, backbone: 'tiny', sourceLang: 'en', trainSamples: n, metric: 'reliability', evalLang: 'en', score: 'f1', value: 20 + 10 * i })));
    writeFileSync(ts, JSON.stringify({ format: 'crossedit.training-scale/1', created: 'now', sizes: [100, 500, 1000], points }));
    const report = await runGrid(
      {
        name: 'browser test grid',
        dataset,
        backbones: [{ plugin: bb }],
        methods: [{ plugin: prefixMethod, name: 'ike', label: 'IKE' }, { plugin: 'ft', hparams: { numSteps: 2 } }],
        sourceLangs: ['en', 'zh'],
        limit: 2,
        scorer: 'correct',
        schedule: 'single',
        backend: 'cpu',
        outDir: out,
        f1Tokenizer: 'backbone',
        trainingScaleFile: ts,
      },
      { progress: false, fsync: false, log: () => undefined },
    );
    expect(report.figures?.map((f) => f.file)).toEqual(['figures/radar.svg', 'figures/training-scale.svg']);

    const page = await browser.newPage();
    await page.goto(pathToFileURL(path.join(out, 'report.html')).href);
    expect(await page.locator('h1').textContent()).toBe('browser test grid');
    // the paper's F1 table: header and the method × edit-language rows
    const head = await page.locator('#f1-chinese-llama2 thead th').allTextContents();
    expect(head).toEqual(['Method', 'Src', 'Reli.', 'Gene. En', 'Gene. Zh', 'Loca. En', 'Loca. Zh', 'Port. En', 'Port. Zh']);
    const rows = await page.locator('#f1-chinese-llama2 tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    expect(rows.map((r) => r.slice(0, 2))).toEqual([['IKE', 'En→'], ['FT', 'En→'], ['IKE', 'Zh→'], ['FT', 'Zh→']]);
    for (const r of rows) for (const v of r.slice(2)) expect(v).toMatch(/^\d+\.\d\d$/);
    // ours beside the paper's (Chinese-LLaMA2-7B table of the Bi-ZsRE README): IKE (En) Reli. is 100.00
    const cmp = await page.locator('#cmp-f1-chinese-llama2 tbody tr').first().locator('td').allTextContents();
    expect(cmp[2]).toMatch(/^\d+\.\d\d \(100\.00, [+−]\d+\.\d\d\)$/);
    expect(await page.locator('ul.sources li').first().textContent()).toMatch(/krystalan\/Bi-ZsRE@6ae5fc4 README\.md:\d+ .*Chinese-LLaMA2-7B table, row "IKE \(En\)"/);
    // the radar chart: one closed polygon per backbone × edit language, drawn and visible
    const radar = page.locator('#radar svg');
    const box = await radar.boundingBox();
    expect(box!.width).toBeGreaterThan(300);
    expect(box!.height).toBeGreaterThan(300);
    expect(await page.locator('#radar svg .mark-line.role-mark.polygon path').count()).toBe(2);
    expect(await page.locator('#radar svg').textContent()).toContain('Port. Zh');
    // the training-scale curves, one line per method
    expect(await page.locator('#training-scale svg').count()).toBe(1);
    expect(await page.locator('#training-scale svg').textContent()).toContain('training samples');
    expect(await page.locator('#training-scale-missing').count()).toBe(0);
    // the cells table says which run each cell comes from
    const cellHead = await page.locator('#cells-chinese-llama2 thead th').allTextContents();
    const fromRun = cellHead.indexOf('From run');
    expect(fromRun).toBeGreaterThan(0);
    const runIds = await page.locator(`#cells-chinese-llama2 tbody tr td:nth-child(${fromRun + 1})`).allTextContents();
    expect(new Set(runIds)).toEqual(new Set([report.runs![0].id]));
    await page.close();
  }, 120_000);
});
