/**
 * The many-language grid's data: MzsRE's 743 facts in 12 languages. Each `mzsre_test_duplicate_en<xx>.json`
 * holds the same records in the same order, as `{en, <xx>}` pairs; this module joins them into one record
 * per fact with a side per language, and builds the edit cases of a source language whose items are scored
 * in every language (reliability included: the source question as asked in language t).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { FormatError, type EditSurface } from '@crossedit/core';
import { biZsreCase, loadBiZsre, selectSubset, type BiZsreRecord, type BiZsreSide, type EditCase, type EvalItem, type ScorerMode } from '@crossedit/eval';

/** MzsRE's languages, English first, in the order the paper's follow-ups list them. */
export const MZSRE_LANGS: readonly string[] = ['en', 'zh', 'cz', 'de', 'du', 'es', 'fr', 'pt', 'ru', 'th', 'tr', 'vi'];

/** The file holding the English–`lang` pairs. */
export function mzsreFile(dir: string, lang: string): string {
  return path.join(dir, `mzsre_test_duplicate_en${lang}.json`);
}

/** A joined MzsRE dataset: one record per fact, a side per language. */
export interface MzsreDataset {
  /** `mzsre[en,zh,de]`: the dataset's identity in results. */
  name: string;
  /** SHA-256 over the per-language files' hashes, in `languages` order. */
  sha256: string;
  languages: string[];
  records: BiZsreRecord[];
  /** The files read, by language (English comes from the first other language's file). */
  files: Record<string, string>;
}

/**
 * Joins the MzsRE files of `langs` (which must include `en`, or at least one other language with a file).
 * @throws Error naming every file it looked for when a language has no file; FormatError when two files
 *   disagree on a record's English side or on the number of records.
 * @example
 * const ds = loadMzsre('../shared/data/mzsre', ['en', 'zh', 'de']);
 * ds.records[0].sides.de.src; // 'Wann wurde die IAAF Combined Events Challenge ins Leben gerufen?'
 */
export function loadMzsre(dir: string, langs: readonly string[]): MzsreDataset {
  if (!langs.length) throw new Error('--langs: no language given');
  const others = [...new Set(langs)].filter((l) => l !== 'en');
  const missing = others.filter((l) => !existsSync(mzsreFile(dir, l)));
  if (missing.length) {
    const have = MZSRE_LANGS.filter((l) => l === 'en' || existsSync(mzsreFile(dir, l)));
    throw new Error(
      `--langs: no MzsRE data for ${missing.join(', ')}; looked for ${missing.map((l) => mzsreFile(dir, l)).join(', ')} (languages with data in ${dir}: ${have.join(', ')})`,
    );
  }
  if (!others.length) throw new Error(`--langs: give at least one language besides en (MzsRE files pair English with another language: ${mzsreFile(dir, '<xx>')})`);
  const sides: Record<string, BiZsreSide>[] = [];
  const files: Record<string, string> = {};
  const hash = createHash('sha256');
  let enFrom = '';
  for (const l of others) {
    const f = mzsreFile(dir, l);
    const ds = loadBiZsre(f);
    if (!ds.languages.includes('en') || !ds.languages.includes(l)) throw new FormatError(f, `expected records with "en" and "${l}" sides, got ${ds.languages.join(' and ')}`);
    if (sides.length && ds.records.length !== sides.length) throw new FormatError(f, `has ${ds.records.length} records, ${enFrom} has ${sides.length}; the MzsRE files must hold the same facts in the same order`);
    ds.records.forEach((r, i) => {
      if (!sides[i]) sides[i] = { en: r.sides.en };
      else if (r.sides.en.src !== sides[i].en.src || r.sides.en.alt !== sides[i].en.alt) {
        throw new FormatError(f, `record ${i}, field "en.src": ${JSON.stringify(r.sides.en.src)} differs from ${enFrom}'s ${JSON.stringify(sides[i].en.src)} (the files must hold the same facts in the same order)`);
      }
      sides[i][l] = r.sides[l];
    });
    if (!enFrom) {
      enFrom = f;
      files.en = f;
    }
    files[l] = f;
    hash.update(`${l}:${ds.sha256}\n`);
  }
  const languages = langs.includes('en') ? ['en', ...others] : others;
  const records = sides.map((s, index) => ({ index, sides: Object.fromEntries(languages.map((l) => [l, s[l]])) }));
  return { name: `mzsre[${languages.join(',')}]`, sha256: hash.digest('hex'), languages, records, files };
}

/**
 * The edit case of a joined record in source language `src`: Bi-ZsRE's items over every language, plus
 * reliability in each other language t (the source question as asked in t, with t's new answer), so that
 * every family has an s × t transfer matrix.
 */
export function transferCase(record: BiZsreRecord, languages: readonly string[], src: string, opts: { mode: ScorerMode; edits?: EditSurface }): EditCase {
  const base = biZsreCase(record, languages, src, opts);
  const extra: EvalItem[] = languages
    .filter((t) => t !== src)
    .map((t) => ({ metric: 'reliability', kind: 'rewrite', lang: t, prompt: record.sides[t].src, target: record.sides[t].alt }));
  return { ...base, items: [base.items[0], ...extra, ...base.items.slice(1)] };
}

/** The cases of a joined dataset for one source language and record subset. */
export function mzsreCases(ds: MzsreDataset, src: string, opts: { limit?: number; ids?: readonly number[]; mode: ScorerMode; edits?: EditSurface }): EditCase[] {
  if (!ds.languages.includes(src)) throw new Error(`source language ${src} is not among --langs ${ds.languages.join(',')}`);
  const recs = selectSubset(ds.records, { limit: opts.limit, ids: opts.ids ? [...opts.ids] : undefined }, ds.name, ds.records.length);
  return recs.map((r) => transferCase(r, ds.languages, src, { mode: opts.mode, ...(opts.edits ? { edits: opts.edits } : {}) }));
}
