/** Reading a dataset file: bytes, sha256, and JSON with an error that names the file and the position. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { FormatError } from '@crossedit/core';
import { firstInvalidUtf8 } from './utf8.js';

/** A file's text, name and sha256. */
export interface FileText {
  file: string;
  name: string;
  sha256: string;
  text: string;
}

/**
 * Reads a UTF-8 file (a leading BOM is dropped).
 * @throws FormatError naming the file when it is missing, or when a byte is not valid UTF-8 (with the byte
 *   offset and line), instead of silently decoding it as U+FFFD.
 */
export function readTextFile(file: string): FileText {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new FormatError(file, code === 'ENOENT' ? 'file not found' : `cannot read: ${(e as Error).message}`);
  }
  const bad = firstInvalidUtf8(bytes);
  if (bad >= 0) {
    const line = bytes.subarray(0, bad).reduce((n, b) => n + (b === 0x0a ? 1 : 0), 1);
    const hex = [...bytes.subarray(bad, bad + 4)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new FormatError(file, `not valid UTF-8 at byte ${bad} (line ${line}: bytes ${hex}); re-encode the file as UTF-8 (e.g. iconv -f GB18030 -t UTF-8)`);
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  let text = bytes.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return { file, name: basename(file), sha256, text };
}

/** Parses JSON; a syntax error becomes a FormatError with the line and column. */
export function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const m = /position (\d+)/.exec(msg);
    if (m) {
      const pos = Number(m[1]);
      const before = text.slice(0, pos);
      const line = before.split('\n').length;
      const col = pos - before.lastIndexOf('\n');
      throw new FormatError(file, `invalid JSON at line ${line}, column ${col}: ${msg}`);
    }
    throw new FormatError(file, `invalid JSON: ${msg}`);
  }
}
