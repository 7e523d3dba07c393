import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { applyGridArgs } from './command.js';
import { defaultGridConfig, sharedDir } from './grid.config.js';
import { loadMzsre, mzsreCases, mzsreFile } from './mzsre.js';
import { randomLlamaBackbone, stringsOf } from './random-backbone.js';
import { runGrid } from './run.js';
import { prefixMethod } from './testing/small.grid.js';

const dir = path.join(sharedDir(), 'data/mzsre');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('many-language grid over MzsRE', () => {
  it('joins the per-language files into one record per fact, each language from its own file', () => {
    const ds = loadMzsre(dir, ['en', 'zh', 'de', 'th']);
    expect(ds.languages).toEqual(['en', 'zh', 'de', 'th']);
    expect(ds.records).toHaveLength(743);
    const de = JSON.parse(readFileSync(mzsreFile(dir, 'de'), 'utf8')) as Record<string, { src: string; alt: string }>[];
    const th = JSON.parse(readFileSync(mzsreFile(dir, 'th'), 'utf8')) as Record<string, { src: string; alt: string }>[];
    for (const i of [0, 371, 742]) {
      expect(ds.records[i].sides.de.src).toBe(de[i].de.src);
      expect(ds.records[i].sides.th.alt).toBe(th[i].th.alt);
      expect(ds.records[i].sides.en.src).toBe(de[i].en.src);
    }
    // an edit in de is scored in every language, reliability included (the question asked in t)
    const [c] = mzsreCases(ds, 'de', { limit: 1, mode: 'correct' });
    expect(c.request).toMatchObject({ id: '0:de', prompt: de[0].de.src, target: de[0].de.alt });
    const byKind = (k: string) => c.items.filter((it) => it.kind === k).map((it) => it.lang);
    expect(byKind('rewrite')).toEqual(['de', 'en', 'zh', 'th']);
    for (const k of ['rephrase', 'locality', 'portability']) expect(byKind(k)).toEqual(['en', 'zh', 'de', 'th']);
  });

  it('names the files it looked for when a language has no data', () => {
    expect(() => loadMzsre(dir, ['en', 'xx', 'de'])).toThrow(new RegExp(`no MzsRE data for xx; looked for ${mzsreFile(dir, 'xx').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(languages with data in .*: en, zh, cz, de`));
    expect(() => applyGridArgs(defaultGridConfig(), { langs: 'en,qq' })).not.toThrow(); // checked when the grid starts
  });

  it('--langs all runs the 12 languages; en,zh stays the Bi-ZsRE file (the paper tables are its special case)', () => {
    const all = applyGridArgs(defaultGridConfig(), { langs: 'all' });
    expect(all.langs).toHaveLength(12);
    expect(all.sourceLangs).toEqual(all.langs);
    const two = applyGridArgs(defaultGridConfig(), { langs: 'en,zh' });
    expect(two.langs).toBeUndefined();
    expect(two.sourceLangs).toEqual(['en', 'zh']);
    expect(applyGridArgs(defaultGridConfig(), { langs: 'en,de,fr', 'source-langs': 'en' }).sourceLangs).toEqual(['en']);
  });

  it('a 3-language grid reports an s × t transfer matrix per method and family, and heatmaps', async () => {
    const ds = loadMzsre(dir, ['en', 'zh', 'de']);
    const texts = stringsOf(ds.records.slice(0, 2).map((r) => r.sides));
    const bb = randomLlamaBackbone({ id: 'rand', texts, arch: { hiddenSize: 16, intermediateSize: 32, numLayers: 2, numHeads: 2, numKvHeads: 2, maxPositions: 256 }, seed: 3 });
    const out = mkdtempSync(path.join(tmpdir(), 'ce-mzsre-'));
    dirs.push(out);
    const r = await runGrid(
      { ...defaultGridConfig(), name: 'mzsre test', backbones: [{ plugin: bb }], methods: [{ plugin: prefixMethod }], langs: ['en', 'zh', 'de'], sourceLangs: ['en', 'zh', 'de'], limit: 2, outDir: out, f1Tokenizer: 'backbone' },
      { progress: false, fsync: false, log: () => undefined },
    );
    expect(r.languages).toEqual(['en', 'zh', 'de']);
    expect(r.rows.map((x) => x.meta.sourceLang)).toEqual(['en', 'zh', 'de']);
    for (const row of r.rows) {
      expect(row.transfer!.langs).toEqual(['en', 'zh', 'de']);
      for (const fam of ['reliability', 'generality', 'locality', 'portability'] as const) for (const v of row.transfer!.f1[fam]) expect(v).toBeGreaterThanOrEqual(0);
      // the paper-layout reliability is the diagonal of the transfer matrix
      expect(row.aggregate!.f1[0]).toBe(row.transfer!.f1.reliability[r.languages.indexOf(row.meta.sourceLang)]);
      expect(row.aggregate!.f1[1]).toBe(row.transfer!.f1.generality[0]);
    }
    const md = readFileSync(path.join(out, 'report.md'), 'utf8');
    expect(md).toContain('#### PREFIX — portability');
    expect(md).toMatch(/\| edited in ↓ \/ evaluated in → \| En \| Zh \| De \|/);
    const svg = readFileSync(path.join(out, 'figures/heatmap-rand-PREFIX.svg'), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('edited in');
    expect(existsSync(path.join(out, 'report.html'))).toBe(true);
  }, 120_000);
});
