/**
 * The bilingual test corpus (Bi-ZsRE questions, answers, subjects, rephrases, locality prompts, in English
 * and Chinese, plus hand-written edge cases), rebuilt from `../shared/data/bizsre/` so the data itself
 * is never committed. `fixtures/make_fixtures.py` builds the same lines with the same rule.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FormatError } from '@crossedit/core';
import { sharedDir as findShared } from '@crossedit/core/node';

const PACKAGE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The shared data folder: core's `sharedDir()` (`$CROSSEDIT_SHARED`, else `../shared` from the current directory up). */
export function sharedDir(): string {
  return findShared() ?? path.resolve('../shared');
}

/** Path of this package's fixtures folder (`fixtures/edge-cases.json` is published with the package). */
export function fixturesDir(): string {
  return path.join(PACKAGE_DIR, 'fixtures');
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new FormatError(file, `cannot read JSON: ${(e as Error).message}`);
  }
}

interface BizsreSide {
  src: string;
  rephrase: string;
  subject: string;
  alt: string;
  loc: string;
  loc_ans: string;
  portability: { 'New Question': string; 'New Answer': string };
}

interface DevRecord {
  src: string;
  rephrase: string;
  subject: string;
  alt: string;
  pred: string;
  loc: string;
  loc_ans: string;
}

/**
 * The corpus lines, deduplicated in order of first appearance: every third MzsRE (Bi-ZsRE test) record's
 * English and Chinese question, rephrase, subject, new answer, locality question and answer, portability
 * question and answer; every tenth Bi-ZsRE Chinese dev record's question, rephrase, subject, new answer,
 * old prediction, locality question and answer; then `fixtures/edge-cases.json`.
 *
 * @param shared the shared data folder (default {@link sharedDir})
 */
export function buildCorpus(shared = sharedDir()): string[] {
  const data = path.join(shared, 'data', 'bizsre');
  const mz = readJson(path.join(data, 'mzsre_test_duplicate_enzh.json')) as { en: BizsreSide; zh: BizsreSide }[];
  const dev = readJson(path.join(data, 'zsre_mend_eval_chinese.json')) as DevRecord[];
  const edge = readJson(path.join(fixturesDir(), 'edge-cases.json')) as string[];
  const lines: unknown[] = [];
  mz.forEach((rec, i) => {
    if (i % 3 !== 0) return;
    for (const r of [rec.en, rec.zh]) {
      const p = r.portability;
      lines.push(r.src, r.rephrase, r.subject, r.alt, r.loc, r.loc_ans, p['New Question'], p['New Answer']);
    }
  });
  dev.forEach((r, i) => {
    if (i % 10 !== 0) return;
    lines.push(r.src, r.rephrase, r.subject, r.alt, r.pred, r.loc, r.loc_ans);
  });
  lines.push(...edge);
  const seen = new Set<string>();
  const out: string[] = [];
  for (const s of lines) {
    if (typeof s === 'string' && !seen.has(s)) {
      seen.add(s);
      out.push(s);
    }
  }
  return out;
}
