import { FormatError } from '@crossedit/core';
import { describe, expect, it } from 'vitest';
import { sharedPath } from '../testing/shared.js';
import { zsreCase } from './cases.js';
import { loadZsre, parseZsre } from './zsre.js';

const r = (over: Record<string, unknown> = {}) => ({
  subject: '瓦茨·汉弗莱',
  src: '瓦茨·汉弗莱就读于哪所大学？',
  pred: '三一学院',
  rephrase: '瓦茨·汉弗莱参加了哪所大学的学习？',
  alt: '密歇根大学',
  answers: ['伊利诺伊理工学院'],
  loc: '谁在电影《血战钢锯岭》中扮演了德斯蒙德·多斯的父亲？',
  loc_ans: '雨果·维文',
  cond: '三一学院 >> 密歇根大学 || 瓦茨·汉弗莱就读于哪所大学？',
  ...over,
});

describe('parseZsre', () => {
  it('reads records and leaves out empty alts, keeping file indices', () => {
    const ds = parseZsre(JSON.stringify([r(), r({ alt: '' }), r()]), 'dev.json', 'zh');
    expect(ds.total).toBe(3);
    expect(ds.records.map((x) => x.index)).toEqual([0, 2]);
    expect(ds.skipped).toEqual([1]);
    expect(ds.records[0]).toMatchObject({ alt: '密歇根大学', answers: ['伊利诺伊理工学院'], locAns: '雨果·维文', pred: '三一学院' });
  });

  it('names the record index and field of bad records', () => {
    const msg = (v: unknown[]) => {
      try {
        parseZsre(JSON.stringify(v), 'dev.json', 'zh');
      } catch (e) {
        expect(e).toBeInstanceOf(FormatError);
        return (e as Error).message;
      }
      return 'no error';
    };
    expect(msg([r(), r({ answers: ['a', 3] })])).toBe('dev.json: record 1, field "answers[1]": expected a string, got a number');
    expect(msg([r(), r(), r({ answers: 'a' })])).toBe('dev.json: record 2, field "answers": expected an array of strings, got the string "a"');
    expect(msg([r({ loc_ans: undefined })])).toBe('dev.json: record 0, field "loc_ans": expected a non-empty string, got nothing (the key is missing)');
    expect(msg([r({ pred_statement: 'x' })])).toMatch(/record 0, field "pred_statement": unknown key/);
  });

  it('a ZsRE case: request with groundTruth = answers[0]; reliability, generality, locality', () => {
    const ds = parseZsre(JSON.stringify([r()]), 'dev.json', 'zh');
    const c = zsreCase(ds.records[0], 'zh');
    expect(c.request).toEqual({ id: '0:zh', prompt: '瓦茨·汉弗莱就读于哪所大学？', subject: '瓦茨·汉弗莱', target: '密歇根大学', groundTruth: '伊利诺伊理工学院', lang: 'zh' });
    expect(c.items.map((i) => [i.metric, i.target])).toEqual([
      ['reliability', '密歇根大学'],
      ['generality.zh', '密歇根大学'],
      ['locality.zh', '雨果·维文'],
    ]);
  });
});

const dev = sharedPath('data/bizsre/zsre_mend_eval_chinese.json');
const ore = sharedPath('data/bizsre/upstream/YVVH_ORE/zsre_mend_eval_chinese.json');
describe.skipIf(!dev)('the shared Chinese ZsRE dev file', () => {
  it('3000 records, 10 with an empty alt left out, record 0 as documented', () => {
    const ds = loadZsre(dev as string, 'zh');
    expect(ds.total).toBe(3000);
    expect(ds.skipped).toHaveLength(10);
    expect(ds.records).toHaveLength(2990);
    expect(ds.records[0]).toMatchObject({ subject: '瓦茨·汉弗莱', alt: '密歇根大学', answers: ['伊利诺伊理工学院'], locAns: '雨果·维文' });
  });

  it.skipIf(!ore)("ORE's copy has three extra keys: rejected by default, accepted with extraKeys: 'ignore'", () => {
    expect(() => loadZsre(ore as string, 'zh')).toThrow(/record 0, field "pred_statement": unknown key/);
    expect(loadZsre(ore as string, 'zh', { extraKeys: 'ignore' }).records).toHaveLength(2990);
  });
});
