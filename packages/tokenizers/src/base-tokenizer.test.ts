/** The Tokenizer contract on the exact SentencePiece engine: BOS, offsets, batches, padding, locate. */
import { beforeAll, describe, expect, it } from 'vitest';
import { SentencePieceTokenizer } from './sentencepiece/sentencepiece-tokenizer.js';
import { haveSharedData, realModelPath } from './testing/golden.js';

describe.skipIf(!haveSharedData())('Tokenizer contract (SentencePiece engine, Chinese-LLaMA-2)', () => {
  let tok: SentencePieceTokenizer;
  beforeAll(() => {
    tok = SentencePieceTokenizer.fromFile(realModelPath('chinese-llama-2-7b'));
  });

  it('prepends BOS with an empty range by default, and not with addBos: false', () => {
    const a = tok.encode('Hello world');
    const b = tok.encode('Hello world', { addBos: false });
    expect(a.ids[0]).toBe(1);
    expect(a.offsets[0]).toEqual([0, 0]);
    expect(a.ids.slice(1)).toEqual(b.ids);
    expect(a.offsets.slice(1)).toEqual(b.offsets);
    expect(tok.encode('').ids).toEqual([1]);
    expect(tok.encode('', { addBos: false })).toEqual({ ids: [], offsets: [] });
  });

  it('gives UTF-16 offsets that cover the text each piece came from', () => {
    const text = 'Which family does Ramalinaceae belong to?';
    const { ids, offsets } = tok.encode(text, { addBos: false });
    ids.forEach((id, i) => {
      const piece = tok.idToToken(id)!.replaceAll('\u2581', ' ');
      // the first piece's ▁ is the dummy prefix, which covers no input
      expect(text.slice(offsets[i][0], offsets[i][1])).toBe(i === 0 ? piece.trimStart() : piece);
    });
    // an emoji falls back to 4 byte pieces that all carry its two UTF-16 units
    const e = tok.encode('a😀b', { addBos: false });
    const bytes = e.ids.map((id, i) => [tok.idToToken(id), e.offsets[i]] as const).filter(([p]) => p!.startsWith('<0x'));
    expect(bytes.map(([p]) => p)).toEqual(['<0xF0>', '<0x9F>', '<0x98>', '<0x80>']);
    for (const [, o] of bytes) expect(o).toEqual([1, 3]);
    // Chinese: one UTF-16 unit per character
    const z = tok.encode('中华人民共和国', { addBos: false });
    expect(z.offsets[z.offsets.length - 1][1]).toBe(7);
  });

  it('decodes with and without special tokens, and rejects ids outside the vocabulary', () => {
    const ids = tok.encode('Hello world').ids;
    expect(tok.decode(ids)).toBe('Hello world');
    expect(tok.decode(ids, { skipSpecialTokens: false })).toBe('<s> Hello world');
    expect(() => tok.decode([tok.vocabSize])).toThrow(RangeError);
    expect(tok.idToToken(1)).toBe('<s>');
    expect(tok.idToToken(tok.vocabSize)).toBeUndefined();
    expect(tok.pieceToId('\u2581the')).toBe(278);
  });

  it('pads batches on the chosen side with EOS (no pad id) and builds attention masks', () => {
    const texts = ['Hello world', 'a', ''];
    const lens = texts.map((t) => tok.encode(t).ids.length);
    const right = tok.withPaddingSide('right').encodeBatch(texts);
    const left = tok.encodeBatch(texts);
    expect(tok.paddingSide).toBe('left');
    expect(right.lengths).toEqual(lens);
    const w = Math.max(...lens);
    texts.forEach((t, i) => {
      const ids = tok.encode(t).ids;
      const pad = new Array(w - ids.length).fill(2);
      expect(right.ids[i]).toEqual([...ids, ...pad]);
      expect(left.ids[i]).toEqual([...pad, ...ids]);
      expect(right.attentionMask[i]).toEqual([...ids.map(() => 1), ...pad.map(() => 0)]);
      expect(left.attentionMask[i]).toEqual([...pad.map(() => 0), ...ids.map(() => 1)]);
    });
    expect(tok.encodeBatch(texts, { paddingSide: 'right' })).toEqual(right);
    expect(tok.encodeBatch(texts, { addBos: false }).lengths).toEqual(lens.map((n) => n - 1));
    expect(tok.encodeBatch([])).toEqual({ ids: [], attentionMask: [], lengths: [] });
  });

  it("locates a span's last token with both methods", () => {
    const text = 'The capital of France is Paris, and France is in Europe';
    const enc = tok.encode(text);
    for (const method of ['prefix', 'offsets'] as const) {
      const i = tok.locate(text, 'France', { method });
      expect(tok.idToToken(enc.ids[i])).toBe('\u2581France');
      expect(enc.offsets[i]).toEqual([14, 21]); // ▁France covers the space before it
      const j = tok.locate(text, 'France', { method, occurrence: 'last' });
      expect(j).toBeGreaterThan(i);
      expect(tok.idToToken(enc.ids[j])).toBe('\u2581France');
      expect(tok.locate(text, 'France', { method, addBos: false })).toBe(i - 1);
    }
    expect(() => tok.locate(text, 'Berlin')).toThrow(/does not occur/);
    expect(() => tok.locate(text, '')).toThrow(/empty/);
  });

  it('handles a span whose end is merged with the next characters as documented', () => {
    // "中华人民共和国" is ▁ 中华 人民 共 和 国: the span "中华人" ends inside the piece 人民
    const text = '中华人民共和国';
    const enc = tok.encode(text);
    expect(enc.ids.map((id) => tok.idToToken(id))).toEqual(['<s>', '\u2581', '中华', '人民', '共', '和', '国']);
    const byOffsets = tok.locate(text, '中华人', { method: 'offsets' });
    expect(enc.offsets[byOffsets][0]).toBeLessThan(3);
    expect(enc.offsets[byOffsets][1]).toBeGreaterThan(3);
    expect(byOffsets).toBe(3); // the merged piece 人民
    // 'prefix' counts the pieces of "中华人" encoded alone: ▁ 中华 人 → index 3, which here is 人民 too
    expect(tok.encode('中华人').ids.map((id) => tok.idToToken(id))).toEqual(['<s>', '\u2581', '中华', '人']);
    expect(tok.locate(text, '中华人', { method: 'prefix' })).toBe(3);
    // prefix + span encodes to more pieces than the whole text: clamped to the last token
    expect(tok.locate('中华', '中华', { method: 'prefix' })).toBe(tok.encode('中华').ids.length - 1);
  });

  it('is immutable: withPaddingSide returns a copy', () => {
    const r = tok.withPaddingSide('right');
    expect(r).not.toBe(tok);
    expect(r.paddingSide).toBe('right');
    expect(tok.paddingSide).toBe('left');
    expect(r.encode('abc')).toEqual(tok.encode('abc'));
  });
});
