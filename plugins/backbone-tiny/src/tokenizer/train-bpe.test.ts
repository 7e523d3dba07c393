import path from 'node:path';
import tokenizers from 'tokenizers';
import { describe, expect, it } from 'vitest';
import { loadTokenizer } from '@crossedit/tokenizers';
import { assetsDir } from '../paths.js';
import { TINY_MODEL } from '../train/config.js';
import { SPECIAL_TOKENS, trainBpe } from './train-bpe.js';

const texts = [
  'What is the native language of Christiane Cohendy? German',
  'Christiane Cohendy的母语是什么？ 德语',
  'What is the final year of Atlanta Flames? 1931',
  '亚特兰大火焰队的最后一年是哪一年？ 1931',
  'Which family does Ramalinaceae belong to? Lecanorales',
  'Ramalinaceae属于哪个科？ 茶渍目',
].flatMap((t) => Array(6).fill(t));

describe('trainBpe', () => {
  const json = trainBpe(texts, { vocabSize: 320, minCharCount: 2 });
  const tok = tokenizers.Tokenizer.fromString(JSON.stringify(json));

  it('lays the vocabulary out as specials, 256 byte pieces, characters, merges', () => {
    const vocab = json.model.vocab;
    expect(Object.keys(vocab)).toHaveLength(320);
    SPECIAL_TOKENS.forEach((s, i) => expect(vocab[s]).toBe(i));
    expect(vocab['<0x00>']).toBe(4);
    expect(vocab['<0xFF>']).toBe(259);
    expect(vocab['▁']).toBeGreaterThan(259);
    for (const [a, b] of json.model.merges) {
      expect(vocab[a]).toBeLessThan(vocab[a + b]);
      expect(vocab[b]).toBeLessThan(vocab[a + b]);
    }
    expect(new Set(Object.values(vocab)).size).toBe(320);
  });

  it('encodes with Metaspace pieces and decodes back, unseen characters through byte fallback', async () => {
    const text = 'What is 𝄞 of Atlanta? 德语 新';
    const enc = await tok.encode(text, null, { addSpecialTokens: false });
    expect(enc.getTokens()[0].startsWith('▁')).toBe(true);
    expect(enc.getTokens()).toContain('<0xF0>');
    expect(enc.getTokens()).not.toContain('<unk>');
    expect(await tok.decode(enc.getIds(), true)).toBe(text);
    const withBos = await tok.encode('German');
    expect(withBos.getIds()[0]).toBe(1);
  });

  it('is deterministic', () => {
    expect(JSON.stringify(trainBpe(texts, { vocabSize: 320, minCharCount: 2 }))).toBe(JSON.stringify(json));
  });

  it('refuses a vocabulary too small for the specials and bytes', () => {
    expect(() => trainBpe(texts, { vocabSize: 200 })).toThrow(/vocabSize must exceed 260/);
  });
});

describe('the shipped tokenizer.json', () => {
  it('loads through @crossedit/tokenizers with the model vocabulary and special ids, and round-trips both languages', async () => {
    const tok = await loadTokenizer(path.join(assetsDir, 'tokenizer.json'));
    expect(tok.vocabSize).toBe(TINY_MODEL.vocabSize);
    expect(tok.special).toMatchObject({ bos: 1, eos: 2, pad: 3, unk: 0 });
    for (const text of ['What is the native language of Christiane Cohendy? German', 'Christiane Cohendy的母语是什么？ 德语', 'Ωmega ½ 🙂']) {
      const enc = tok.encode(text);
      expect(enc.ids[0]).toBe(1);
      expect(enc.ids).not.toContain(0);
      expect(tok.decode(enc.ids, { skipSpecialTokens: true })).toBe(text);
    }
    // SentencePiece-like pieces: a word-initial ▁ and a common Chinese question piece
    const zh = tok.encode('Christiane Cohendy的母语是什么？', { addBos: false });
    expect(tok.idToToken(zh.ids[0])?.startsWith('▁')).toBe(true);
    expect(zh.ids.length).toBeLessThan(12);
  });
});
