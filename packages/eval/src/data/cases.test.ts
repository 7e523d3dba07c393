import { describe, expect, it } from 'vitest';
import { metricColumns } from '../metrics/columns.js';
import { biZsreCase, biZsreRequest } from './cases.js';
import type { BiZsreRecord } from './types.js';

const record: BiZsreRecord = {
  index: 1,
  sides: {
    en: {
      subject: 'Ramalinaceae',
      src: 'Which family does Ramalinaceae belong to?',
      rephrase: 'What family are Ramalinaceae?',
      alt: 'Lamiinae',
      loc: 'nq question: types of skiing in the winter olympics 2018',
      locAns: 'Downhill',
      portability: { question: 'Which family does Ramalinaceae now belong to after the reclassification?', answer: 'Cerambycidae' },
    },
    zh: {
      subject: 'Ramalinaceae',
      src: 'Ramalinaceae属于哪个科？',
      rephrase: 'Ramalinaceae隶属哪个科？',
      alt: '沟胫天牛亚科',
      loc: '2018年冬奥会中的滑雪类型',
      locAns: '速降滑雪',
      portability: { question: 'Ramalinaceae在重新分类后属于哪个科？', answer: '天牛科' },
    },
  },
};

describe('edit requests and cases from a Bi-ZsRE record', () => {
  it('the request uses the source language: prompt = src, target = alt, subject', () => {
    expect(biZsreRequest(record, 'zh')).toEqual({ id: '1:zh', prompt: 'Ramalinaceae属于哪个科？', subject: 'Ramalinaceae', target: '沟胫天牛亚科', lang: 'zh' });
    expect(() => biZsreRequest(record, 'de')).toThrow(/no language "de"/);
  });

  it('items of both languages, in the table column order', () => {
    const c = biZsreCase(record, ['en', 'zh'], 'zh');
    expect(c.items.map((i) => i.metric)).toEqual(metricColumns(['en', 'zh']).map((col) => col.id));
    expect(c.items.map((i) => [i.kind, i.lang, i.prompt, i.target])).toEqual([
      ['rewrite', 'zh', 'Ramalinaceae属于哪个科？', '沟胫天牛亚科'],
      ['rephrase', 'en', 'What family are Ramalinaceae?', 'Lamiinae'],
      ['rephrase', 'zh', 'Ramalinaceae隶属哪个科？', '沟胫天牛亚科'],
      ['locality', 'en', 'nq question: types of skiing in the winter olympics 2018', 'Downhill'],
      ['locality', 'zh', '2018年冬奥会中的滑雪类型', '速降滑雪'],
      ['portability', 'en', 'Which family does Ramalinaceae now belong to after the reclassification?', 'Cerambycidae'],
      ['portability', 'zh', 'Ramalinaceae在重新分类后属于哪个科？', '天牛科'],
    ]);
  });

  it('bizsre-2023: reliability of a Chinese edit uses the English target, except for IKE', () => {
    expect(biZsreCase(record, ['en', 'zh'], 'zh', { mode: 'bizsre-2023', edits: 'weights' }).items[0].target).toBe('Lamiinae');
    expect(biZsreCase(record, ['en', 'zh'], 'zh', { mode: 'bizsre-2023', edits: 'prompt' }).items[0].target).toBe('沟胫天牛亚科');
    expect(biZsreCase(record, ['en', 'zh'], 'zh', { mode: 'correct', edits: 'weights' }).items[0].target).toBe('沟胫天牛亚科');
    // the request itself is unchanged
    expect(biZsreCase(record, ['en', 'zh'], 'zh', { mode: 'bizsre-2023' }).request.target).toBe('沟胫天牛亚科');
    // bizsre-2024 (krystalan/Bi_ZsRE @ 4b2c8d5): reliability follows the source language
    expect(biZsreCase(record, ['en', 'zh'], 'zh', { mode: 'bizsre-2024', edits: 'weights' }).items[0].target).toBe('沟胫天牛亚科');
  });

  it("every item carries the edit's new answer in its own language (the fact line of IKE under bizsre-*)", () => {
    const c = biZsreCase(record, ['en', 'zh'], 'en', { mode: 'bizsre-2023', edits: 'prompt' });
    expect(c.items.map((i) => [i.metric, i.factTarget])).toEqual([
      ['reliability', 'Lamiinae'],
      ['generality.en', 'Lamiinae'],
      ['generality.zh', '沟胫天牛亚科'],
      ['locality.en', 'Lamiinae'],
      ['locality.zh', '沟胫天牛亚科'],
      ['portability.en', 'Lamiinae'],
      ['portability.zh', '沟胫天牛亚科'],
    ]);
  });
});
