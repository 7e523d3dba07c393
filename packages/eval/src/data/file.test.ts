import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FormatError } from '@crossedit/core';
import { afterAll, describe, expect, it } from 'vitest';
import { loadBiZsre } from './bizsre.js';
import { readTextFile } from './file.js';
import { firstInvalidUtf8 } from './utf8.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('UTF-8 checking', () => {
  it('finds the first invalid sequence (stray, overlong, surrogate, past U+10FFFF, truncated)', () => {
    const b = (...x: number[]) => new Uint8Array(x);
    expect(firstInvalidUtf8(new TextEncoder().encode('ok 中文 😀'))).toBe(-1);
    expect(firstInvalidUtf8(b(0x61, 0xff, 0x62))).toBe(1);
    expect(firstInvalidUtf8(b(0x61, 0x62, 0x80))).toBe(2); // lone continuation byte
    expect(firstInvalidUtf8(b(0xc0, 0xaf))).toBe(0); // overlong '/'
    expect(firstInvalidUtf8(b(0x61, 0xe0, 0x80, 0xaf))).toBe(1); // overlong 3-byte
    expect(firstInvalidUtf8(b(0xed, 0xa0, 0x80))).toBe(0); // UTF-16 surrogate
    expect(firstInvalidUtf8(b(0xf4, 0x90, 0x80, 0x80))).toBe(0); // > U+10FFFF
    expect(firstInvalidUtf8(b(0x61, 0xe4, 0xb8))).toBe(1); // cut short at the end
  });

  it('a dataset with a non-UTF-8 byte is an error naming the file, the byte offset and the line, not U+FFFD', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ce-utf8-'));
    dirs.push(dir);
    const file = join(dir, 'gbk.json');
    const good = Buffer.from('[{"en": {"subject": "A", "src": "A is?", "rephrase": "r", "alt": "x", "loc": "l", "loc_ans": "a", "portability": {"New Question": "q", "New Answer": "a"}},\n');
    // "中文" in GBK: d6 d0 ce c4 — not UTF-8
    const bad = Buffer.concat([good, Buffer.from(' "zh": {"subject": "'), Buffer.from([0xd6, 0xd0, 0xce, 0xc4]), Buffer.from('"}}]')]);
    writeFileSync(file, bad);
    const at = good.length + ' "zh": {"subject": "'.length;
    expect(() => readTextFile(file)).toThrow(FormatError);
    expect(() => readTextFile(file)).toThrow(`${file}: not valid UTF-8 at byte ${at} (line 2: bytes d6 d0 ce c4)`);
    expect(() => loadBiZsre(file)).toThrow(/not valid UTF-8 at byte/);
  });
});
