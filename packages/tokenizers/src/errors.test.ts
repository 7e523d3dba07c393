/** Bad input: every error names the file and what was wrong. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FormatError } from '@crossedit/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { convertSentencePiece } from './hf/convert.js';
import { loadTokenizer } from './load.js';
import { readModelProto } from './sentencepiece/model-file.js';
import { SentencePieceTokenizer } from './sentencepiece/sentencepiece-tokenizer.js';
import { haveSharedData, realModelPath } from './testing/golden.js';

function expectFormatError(f: () => unknown, file: string, detail: RegExp): void {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(FormatError);
  expect((err as FormatError).file).toBe(file);
  expect((err as FormatError).message).toContain(file);
  expect((err as FormatError).detail).toMatch(detail);
}

describe.skipIf(!haveSharedData())('bad tokenizer files', () => {
  let dir: string;
  let model: Buffer;
  const put = (name: string, bytes: Uint8Array | string) => {
    const f = path.join(dir, name);
    writeFileSync(f, bytes);
    return f;
  };
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'crossedit-tok-'));
    model = readFileSync(realModelPath('baichuan-7b'));
  });

  it('rejects a truncated model, wherever it is cut', () => {
    for (const cut of [1, 7, 100, 50_000, model.length - 300_000, model.length - 1]) {
      const f = put(`cut${cut}.model`, model.subarray(0, cut));
      expectFormatError(() => readModelProto(f), f, /truncated/);
    }
  });

  it('rejects an empty, a missing and a non-protobuf file', () => {
    const empty = put('empty.model', new Uint8Array());
    expectFormatError(() => readModelProto(empty), empty, /empty file/);
    const missing = path.join(dir, 'missing.model');
    expectFormatError(() => readModelProto(missing), missing, /cannot read/);
    const json = put('json.model', JSON.stringify({ hello: 'world', pieces: [1, 2, 3] }));
    expectFormatError(() => readModelProto(json), json, /not a SentencePiece model/);
    const noise = put('noise.model', Uint8Array.from({ length: 4096 }, (_, i) => (i * 2654435761) >>> 24));
    expectFormatError(() => readModelProto(noise), noise, /not a SentencePiece model|truncated|missing/);
  });

  it('rejects unigram models, naming the model type', () => {
    // TrainerSpec (field 2) with model_type (field 3) = UNIGRAM (1), merged over the real spec
    const f = put('unigram.model', Buffer.concat([model, Buffer.from('12021801', 'hex')]));
    expect(readModelProto(f).trainerSpec!.modelType).toBe(1);
    expectFormatError(() => SentencePieceTokenizer.fromFile(f), f, /model_type is UNIGRAM; only BPE/);
    expectFormatError(() => convertSentencePiece(f), f, /model_type is UNIGRAM/);
  });

  it('rejects byte pieces without byte fallback, and special ids outside the vocabulary', () => {
    // TrainerSpec.byte_fallback (field 35) = false
    const f = put('nobf.model', Buffer.concat([model, Buffer.from('1203980200', 'hex')]));
    expectFormatError(() => SentencePieceTokenizer.fromFile(f), f, /BYTE piece but TrainerSpec.byte_fallback is false/);
    // TrainerSpec.bos_id (field 41) = 99999
    const g = put('bos.model', Buffer.concat([model, Buffer.from('1205c8029f8d06', 'hex')]));
    expectFormatError(() => readModelProto(g), g, /bos_id = 99999 is outside the vocabulary/);
  });

  it('rejects unknown files and malformed tokenizer.json through loadTokenizer', async () => {
    const txt = put('vocab.txt', 'a\nb\n');
    await expect(loadTokenizer(txt)).rejects.toThrow(FormatError);
    await expect(loadTokenizer(txt)).rejects.toThrow(/vocab\.txt: unknown tokenizer file/);
    const bad = put('bad.json', '{"model": ');
    await expect(loadTokenizer(bad)).rejects.toThrow(/bad\.json: cannot read tokenizer\.json/);
    const nomodel = put('nomodel.json', '{"version": "1.0"}');
    await expect(loadTokenizer(nomodel)).rejects.toThrow(/nomodel\.json: no "model" section/);
    const wrong = put('wrong.json', JSON.stringify({ model: { type: 'BPE', vocab: { a: 0 }, merges: 'oops' } }));
    await expect(loadTokenizer(wrong)).rejects.toThrow(/wrong\.json: HF tokenizers cannot load/);
    const emptyDir = mkdtempSync(path.join(dir, 'empty-'));
    await expect(loadTokenizer(emptyDir)).rejects.toThrow(/neither tokenizer\.model nor tokenizer\.json/);
  });
});
