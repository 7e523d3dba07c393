/** The Bi-ZsRE / MzsRE test format: a JSON list of `{"en": {...}, "zh": {...}}`. */
import { FormatError } from '@crossedit/core';
import { expectObject, expectString, fieldError, rejectExtraKeys, type FieldPath } from './fields.js';
import { parseJson, readTextFile } from './file.js';
import type { BiZsreDataset, BiZsreRecord, BiZsreSide, LoadOptions } from './types.js';

const SIDE_KEYS = ['subject', 'src', 'rephrase', 'alt', 'loc', 'loc_ans', 'portability'] as const;
const PORT_KEYS = ['New Question', 'New Answer'] as const;
const MAX_LISTED_WARNINGS = 20;

function parseSide(v: unknown, at: FieldPath, opts: LoadOptions, warnings: string[], notIn: { n: number }): BiZsreSide {
  const o = expectObject(v, at);
  if (opts.extraKeys !== 'ignore') rejectExtraKeys(o, SIDE_KEYS, at);
  const subject = expectString(o, 'subject', at);
  const src = expectString(o, 'src', at);
  const portAt = { ...at, field: `${at.field}.portability` };
  const port = expectObject(o.portability, portAt);
  if (opts.extraKeys !== 'ignore') rejectExtraKeys(port, PORT_KEYS, portAt);
  const side: BiZsreSide = {
    subject,
    src,
    rephrase: expectString(o, 'rephrase', at),
    alt: expectString(o, 'alt', at),
    loc: expectString(o, 'loc', at),
    locAns: expectString(o, 'loc_ans', at),
    portability: { question: expectString(port, 'New Question', portAt), answer: expectString(port, 'New Answer', portAt) },
  };
  if (!src.includes(subject)) {
    if (opts.requireSubjectInSrc) throw fieldError({ ...at, field: `${at.field}.subject` }, `a substring of ${at.field}.src`, subject);
    notIn.n++;
    if (notIn.n <= MAX_LISTED_WARNINGS) warnings.push(`record ${at.record}: ${at.field}.subject ${JSON.stringify(subject)} does not occur in ${at.field}.src`);
  }
  return side;
}

/**
 * Parses the text of a Bi-ZsRE / MzsRE test file. Every record must have the same two language keys
 * as the first one, each side all of `subject, src, rephrase, alt, loc, loc_ans, portability{New
 * Question, New Answer}` as non-empty strings.
 * @throws FormatError naming the file, the record index and the field.
 */
export function parseBiZsre(text: string, file: string, opts: LoadOptions = {}, meta: { name?: string; sha256?: string } = {}): BiZsreDataset {
  const data = parseJson(text, file);
  if (!Array.isArray(data)) throw new FormatError(file, 'expected a JSON list of records ({"en": {...}, "zh": {...}}) at the top level');
  if (data.length === 0) throw new FormatError(file, 'the list of records is empty');
  const first = expectObject(data[0], { file, record: 0, field: '' });
  const languages = Object.keys(first);
  if (languages.length !== 2) {
    throw new FormatError(file, `record 0: expected exactly two language keys (like "en" and "zh"), got ${languages.length} (${languages.join(', ') || 'none'})`);
  }
  const langs = [languages[0], languages[1]] as const;
  const warnings: string[] = [];
  const notIn = { n: 0 };
  const records: BiZsreRecord[] = data.map((rec, i) => {
    const o = expectObject(rec, { file, record: i, field: '' });
    for (const l of langs) if (!(l in o)) throw fieldError({ file, record: i, field: l }, `an object (every record needs "${langs[0]}" and "${langs[1]}", as record 0 has)`, undefined);
    for (const k of Object.keys(o)) {
      if (!langs.includes(k)) throw new FormatError(file, `record ${i}, field "${k}": unexpected language key (record 0 has ${langs[0]} and ${langs[1]})`);
    }
    const sides: Record<string, BiZsreSide> = {};
    for (const l of langs) sides[l] = parseSide(o[l], { file, record: i, field: l }, opts, warnings, notIn);
    return { index: i, sides };
  });
  if (notIn.n > MAX_LISTED_WARNINGS) warnings.push(`… ${notIn.n} sides in all have a subject that does not occur in src`);
  return {
    format: 'bizsre',
    file,
    name: meta.name ?? file,
    sha256: meta.sha256 ?? '',
    languages: langs,
    records,
    total: records.length,
    warnings,
  };
}

/**
 * Loads a Bi-ZsRE / MzsRE test file (`bizsre_test.json`, `mzsre_test_duplicate_enzh.json`).
 * @example
 * const ds = loadBiZsre('../shared/data/bizsre/mzsre_test_duplicate_enzh.json');
 * ds.languages; // ['en', 'zh']
 */
export function loadBiZsre(file: string, opts: LoadOptions = {}): BiZsreDataset {
  const f = readTextFile(file);
  return parseBiZsre(f.text, file, opts, { name: f.name, sha256: f.sha256 });
}
