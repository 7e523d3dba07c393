import { describe, expect, it } from 'vitest';
import { aggregateRecords } from './aggregate.js';
import { metricColumns, parseMetricId } from './columns.js';
import { formatTable, toMarkdown } from './render.js';

const item = (metric: string, f1: number, em: number, tokenAcc = f1) => ({ metric, f1, em, tokenAcc });

describe('metric columns', () => {
  it("are in the paper's order", () => {
    expect(metricColumns(['en', 'zh']).map((c) => c.label)).toEqual(['Reli.', 'Gene. En', 'Gene. Zh', 'Loca. En', 'Loca. Zh', 'Port. En', 'Port. Zh']);
    expect(metricColumns(['en', 'de']).map((c) => c.id)).toEqual(['reliability', 'generality.en', 'generality.de', 'locality.en', 'locality.de', 'portability.en', 'portability.de']);
  });
  it('parse metric ids', () => {
    expect(parseMetricId('locality.zh')).toEqual({ family: 'locality', lang: 'zh' });
    expect(() => parseMetricId('fluency')).toThrow(/unknown metric id/);
  });
});

describe('aggregateRecords', () => {
  const records = [
    { items: [item('reliability', 1, 1), item('generality.en', 0.5, 0), item('locality.zh', 0.25, 0, 0.5)] },
    { items: [item('reliability', 0.5, 0), item('generality.en', 0, 0)] },
    { items: [], error: 'out of memory' },
  ];

  it('averages per column; empty columns are null; failed edits are counted', () => {
    const t = aggregateRecords(records, ['en', 'zh']);
    expect(t.f1).toEqual([0.75, 0.25, null, null, 0.25, null, null]);
    expect(t.em).toEqual([0.5, 0, null, null, 0, null, null]);
    expect(t.tokenAcc[4]).toBe(0.5);
    expect(t.counts).toEqual([2, 2, 0, 0, 1, 0, 0]);
    expect(t.edits).toBe(3);
    expect(t.failed).toBe(1);
  });

  it('rejects an item of another language', () => {
    expect(() => aggregateRecords([{ items: [item('generality.de', 1, 1)] }], ['en', 'zh'])).toThrow(/generality.de/);
  });

  it('renders ×100 for the terminal and as Markdown', () => {
    const t = aggregateRecords(records, ['en', 'zh']);
    const text = formatTable(t, { title: 'ROME zh' });
    const lines = text.split('\n');
    expect(lines[0]).toBe('ROME zh');
    expect(lines[1].trim().split(/\s{2,}/)).toEqual(['Reli.', 'Gene. En', 'Gene. Zh', 'Loca. En', 'Loca. Zh', 'Port. En', 'Port. Zh']);
    expect(lines[2].trim().split(/\s+/)).toEqual(['F1', '75.00', '25.00', '—', '—', '25.00', '—', '—']);
    expect(lines[3].trim().split(/\s+/)).toEqual(['EM', '50.00', '0.00', '—', '—', '0.00', '—', '—']);
    expect(lines[4]).toBe('3 edits, 1 failed');
    expect(toMarkdown(t, { digits: 1 })).toBe(
      [
        '| | Reli. | Gene. En | Gene. Zh | Loca. En | Loca. Zh | Port. En | Port. Zh |',
        '|---|---:|---:|---:|---:|---:|---:|---:|',
        '| F1 | 75.0 | 25.0 | — | — | 25.0 | — | — |',
        '| EM | 50.0 | 0.0 | — | — | 0.0 | — | — |',
        '',
      ].join('\n'),
    );
    expect(toMarkdown(t, { rows: ['tokenAcc'] })).toContain('| Tok. acc. | 75.00 | 25.00 | — | — | 50.00 | — | — |');
  });
});
