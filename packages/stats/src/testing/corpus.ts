/** Synthetic corpora for tests: sentences over the test vocabulary, written to a temporary file. */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '@crossedit/core';
import { TEST_WORDS } from './words.js';

/** `count` random sentences of 3..(maxWords) words each. */
export function sentences(count: number, seed = 1, maxWords = 14): string[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => {
    const n = 3 + rng.int(maxWords - 2);
    const words = Array.from({ length: n }, () => TEST_WORDS[rng.int(TEST_WORDS.length)]);
    return words.join(' ') + (rng.uniform() < 0.5 ? '.' : '?');
  });
}

/** A fresh temporary directory. */
export function tempDir(prefix = 'crossedit-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** Writes `lines` as a plain-text corpus (or JSONL with a `text` field) and returns its path. */
export async function writeCorpus(dir: string, lines: readonly string[], format: 'text' | 'jsonl' = 'text'): Promise<string> {
  const path = join(dir, format === 'text' ? 'corpus.txt' : 'corpus.jsonl');
  const body = format === 'text' ? lines.join('\n') : lines.map((t) => JSON.stringify({ text: t, lang: 'en' })).join('\n');
  await writeFile(path, body + '\n');
  return path;
}
