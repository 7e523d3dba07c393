/** The Chinese dev records of Bi-ZsRE without the test set's questions and subjects, as SERAC training data. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The filtered file's name (what a trained artifact's data sources record, with its sha256). */
export const ZH_DEV_FILE = 'zsre_mend_eval_chinese.no-bizsre-test.json';

/**
 * Writes the Chinese dev records (`data/bizsre/zsre_mend_eval_chinese.json`) whose Chinese question is no
 * Bi-ZsRE test record's (`data/bizsre/bizsre_test.json`, `zh.src`) and whose subject is no test record's
 * (`zh.subject`) to `cacheDir`, and returns the file: Chinese training data with paraphrases and NQ-style
 * locality inputs that does not leak the test set. Rewritten on every call, so it follows the data.
 */
export function zhDevWithoutTest(shared: string, cacheDir: string): string {
  const out = path.join(cacheDir, ZH_DEV_FILE);
  const test = JSON.parse(readFileSync(path.join(shared, 'data/bizsre/bizsre_test.json'), 'utf8')) as { zh: { src: string; subject: string } }[];
  const srcs = new Set(test.map((r) => r.zh.src));
  const subjects = new Set(test.map((r) => r.zh.subject));
  const dev = JSON.parse(readFileSync(path.join(shared, 'data/bizsre/zsre_mend_eval_chinese.json'), 'utf8')) as { src: string; subject: string }[];
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(out, JSON.stringify(dev.filter((r) => !srcs.has(r.src) && !subjects.has(r.subject))));
  return out;
}
