import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FormatError } from '@crossedit/core';
import { describe, expect, it } from 'vitest';
import { sharedPath } from '../testing/shared.js';
import { loadBiZsre, parseBiZsre } from './bizsre.js';

const side = (over: Record<string, unknown> = {}) => ({
  subject: 'Ramalinaceae',
  src: 'Which family does Ramalinaceae belong to?',
  rephrase: 'What family are Ramalinaceae?',
  alt: 'Lamiinae',
  loc: 'nq question: types of skiing in the winter olympics 2018',
  loc_ans: 'Downhill',
  portability: { 'New Question': 'Which family does Ramalinaceae now belong to?', 'New Answer': 'Cerambycidae' },
  ...over,
});
const zh = (over: Record<string, unknown> = {}) =>
  side({ src: 'Ramalinaceae属于哪个科？', rephrase: 'Ramalinaceae隶属哪个科？', alt: '沟胫天牛亚科', loc: '2018年冬奥会中的滑雪类型', loc_ans: '速降滑雪', ...over });
const rec = (en = side(), z: unknown = zh()) => ({ en, zh: z });
const text = (records: unknown[]) => JSON.stringify(records);

function formatError(fn: () => unknown): FormatError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(FormatError);
    return e as FormatError;
  }
  throw new Error('expected a FormatError');
}

describe('parseBiZsre: valid input', () => {
  it('reads records, languages in file order, camelCase fields', () => {
    const ds = parseBiZsre(text([rec(), rec()]), 'x.json');
    expect(ds.languages).toEqual(['en', 'zh']);
    expect(ds.records).toHaveLength(2);
    expect(ds.records[1].index).toBe(1);
    expect(ds.records[0].sides.zh).toEqual({
      subject: 'Ramalinaceae',
      src: 'Ramalinaceae属于哪个科？',
      rephrase: 'Ramalinaceae隶属哪个科？',
      alt: '沟胫天牛亚科',
      loc: '2018年冬奥会中的滑雪类型',
      locAns: '速降滑雪',
      portability: { question: 'Which family does Ramalinaceae now belong to?', answer: 'Cerambycidae' },
    });
    expect(ds.warnings).toEqual([]);
  });

  it('warns (or with requireSubjectInSrc, fails) when the subject is not in src', () => {
    const bad = rec(side(), zh({ subject: '石蕊科' }));
    const ds = parseBiZsre(text([rec(), bad]), 'x.json');
    expect(ds.warnings).toEqual(['record 1: zh.subject "石蕊科" does not occur in zh.src']);
    expect(formatError(() => parseBiZsre(text([rec(), bad]), 'x.json', { requireSubjectInSrc: true })).message).toMatch(/record 1, field "zh.subject"/);
  });
});

describe('parseBiZsre: malformed input names the file, record index and field', () => {
  it('a field of the wrong type', () => {
    const e = formatError(() => parseBiZsre(text([rec(), rec(), rec(side(), zh({ alt: 42 }))]), 'data/test.json'));
    expect(e.file).toBe('data/test.json');
    expect(e.message).toBe('data/test.json: record 2, field "zh.alt": expected a non-empty string, got a number');
  });

  it('a missing field', () => {
    const en = side();
    delete (en as Record<string, unknown>).portability;
    expect(formatError(() => parseBiZsre(text([rec(), rec(en)]), 'f.json')).message).toBe(
      'f.json: record 1, field "en.portability": expected an object, got nothing (the key is missing)',
    );
  });

  it('an empty string inside portability', () => {
    const z = zh({ portability: { 'New Question': 'q', 'New Answer': '  ' } });
    expect(formatError(() => parseBiZsre(text([rec(side(), z)]), 'f.json')).message).toMatch(/record 0, field "zh.portability.New Answer": expected a non-empty string/);
  });

  it('an unknown key (unless extraKeys: ignore)', () => {
    const en = { ...side(), pred: 'x' };
    expect(formatError(() => parseBiZsre(text([rec(en)]), 'f.json')).message).toMatch(/record 0, field "en.pred": unknown key/);
    expect(parseBiZsre(text([rec(en)]), 'f.json', { extraKeys: 'ignore' }).records).toHaveLength(1);
  });

  it('language keys differing from record 0', () => {
    expect(formatError(() => parseBiZsre(text([rec(), { en: side(), de: zh() }]), 'f.json')).message).toMatch(/record 1, field "zh": expected an object .*got nothing/);
    expect(formatError(() => parseBiZsre(text([rec(), { ...rec(), de: zh() }]), 'f.json')).message).toMatch(/record 1, field "de": unexpected language key/);
    expect(formatError(() => parseBiZsre(text([{ en: side() }]), 'f.json')).message).toMatch(/record 0: expected exactly two language keys/);
  });

  it('a record that is not an object', () => {
    expect(formatError(() => parseBiZsre(text([rec(), 'oops']), 'f.json')).message).toBe('f.json: record 1: expected an object, got the string "oops"');
  });

  it('not a list, an empty list, invalid JSON (with line and column)', () => {
    expect(formatError(() => parseBiZsre('{}', 'f.json')).message).toMatch(/expected a JSON list/);
    expect(formatError(() => parseBiZsre('[]', 'f.json')).message).toMatch(/empty/);
    expect(formatError(() => parseBiZsre('[\n {"en": 1,}\n]', 'f.json')).message).toMatch(/f.json: invalid JSON at line 2/);
  });

  it('loadBiZsre names the path of a missing or bad file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bizsre-'));
    const f = join(dir, 'bad.json');
    writeFileSync(f, text([rec(), rec(side({ rephrase: null }))]));
    const e = formatError(() => loadBiZsre(f));
    expect(e.file).toBe(f);
    expect(e.message).toContain('record 1, field "en.rephrase": expected a non-empty string, got null');
    expect(formatError(() => loadBiZsre(join(dir, 'nope.json'))).message).toMatch(/nope.json: file not found/);
  });
});

const enzh = sharedPath('data/bizsre/mzsre_test_duplicate_enzh.json');
describe.skipIf(!enzh)('the shared Bi-ZsRE / MzsRE files', () => {
  it('mzsre_test_duplicate_enzh.json: 743 records, en/zh, record 1 as documented in SOURCES.md', () => {
    const ds = loadBiZsre(enzh as string);
    expect(ds.total).toBe(743);
    expect(ds.languages).toEqual(['en', 'zh']);
    expect(ds.sha256).toBe('fc6b0da1e84abc1bda2017a413d72b9227aea5ef9ddcff41223340f7c06f997a');
    expect(ds.name).toBe('mzsre_test_duplicate_enzh.json');
    const r = ds.records[1];
    expect(r.sides.en.alt).toBe('Lamiinae');
    expect(r.sides.zh.portability).toEqual({ question: 'Ramalinaceae在重新分类后属于哪个科？', answer: '天牛科' });
    expect(r.sides.en.loc.startsWith('nq question: ')).toBe(true);
    expect(ds.warnings).toEqual([]);
  });

  const ende = sharedPath('data/mzsre/mzsre_test_duplicate_ende.json');
  it.skipIf(!ende)('another pair (en/de) loads, with subject warnings for the translations', () => {
    const ds = loadBiZsre(ende as string);
    expect(ds.languages).toEqual(['en', 'de']);
    expect(ds.total).toBe(743);
    expect(ds.warnings.length).toBeGreaterThan(1);
    expect(ds.warnings[ds.warnings.length - 1]).toMatch(/210 sides in all/);
  });
});
