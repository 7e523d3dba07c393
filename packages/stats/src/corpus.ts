/**
 * Text corpora for the statistics pass: plain text (one sample per non-empty line) or JSONL (one JSON
 * object per line, the sample in a text field). Streamed, never loaded whole.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { FormatError } from '@crossedit/core';

/** How a corpus file is read. */
export interface CorpusOptions {
  /** `'auto'` (default): JSONL if the file ends in `.jsonl`/`.json` or its first line starts with `{`. */
  format?: 'auto' | 'text' | 'jsonl';
  /** The JSONL field holding the text (default `text`). */
  textField?: string;
}

/** The format `auto` resolves to for `path`. */
export async function detectCorpusFormat(path: string, opts: CorpusOptions = {}): Promise<'text' | 'jsonl'> {
  const f = opts.format ?? 'auto';
  if (f !== 'auto') return f;
  if (/\.jsonl?$/i.test(path)) return 'jsonl';
  for await (const line of lines(path)) {
    if (line.trim() === '') continue;
    return line.trimStart().startsWith('{') ? 'jsonl' : 'text';
  }
  return 'text';
}

async function* lines(path: string): AsyncGenerator<string> {
  const rl = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  try {
    for await (const line of rl) yield line;
  } finally {
    rl.close();
  }
}

/**
 * The samples of a corpus, in file order, skipping empty lines (and JSONL records whose text is
 * empty). Bad JSONL lines raise a {@link FormatError} naming the file, the line and the field.
 */
export async function* readCorpus(path: string, opts: CorpusOptions = {}): AsyncGenerator<string> {
  const format = await detectCorpusFormat(path, opts);
  const field = opts.textField ?? 'text';
  let lineNo = 0;
  for await (const line of lines(path)) {
    lineNo++;
    if (line.trim() === '') continue;
    if (format === 'text') {
      yield line;
      continue;
    }
    let rec: unknown;
    try {
      rec = JSON.parse(line);
    } catch (e) {
      throw new FormatError(path, `line ${lineNo}: not JSON (${(e as Error).message})`);
    }
    const text = (rec as Record<string, unknown> | null)?.[field];
    if (typeof text !== 'string') throw new FormatError(path, `line ${lineNo}: field '${field}' must be a string`);
    if (text.trim() !== '') yield text;
  }
}

/** SHA-256 (hex) of the corpus file's bytes. */
export async function corpusHash(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}
