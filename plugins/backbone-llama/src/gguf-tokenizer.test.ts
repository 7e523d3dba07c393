/**
 * The GGUF-embedded tokenizer rebuilt as a SentencePiece model: the rebuilt `tokenizer.model` must be the one the
 * real SentencePiece library encoded for the golden fixture (same bytes), and the TypeScript tokenizer must give
 * that library's ids; malformed metadata is refused naming the file and key.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import { describe, expect, it } from 'vitest';
import { GgufReader } from '@crossedit/transformer';
import { ggufTokenizer, ggufTokenizerModel } from './gguf-tokenizer.js';
import { SHARED_DIR } from './testing/index.js';

const GGUF = nodePath.join(SHARED_DIR, 'models/stories260k/stories260K.gguf');
const golden = JSON.parse(readFileSync(new URL('./fixtures/stories260k-tokenizer.json', import.meta.url), 'utf8')) as {
  model_sha256: string;
  cases: { text: string; ids: number[]; decoded: string }[];
};

describe('GGUF embedded tokenizer', () => {
  it.skipIf(!existsSync(GGUF))('matches the real SentencePiece library on the rebuilt stories260K model', async () => {
    const r = await GgufReader.open(GGUF);
    const bytes = ggufTokenizerModel(r.metadata, GGUF);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(golden.model_sha256);
    const tok = ggufTokenizer(r.metadata, GGUF);
    await r.close();
    for (const c of golden.cases) {
      expect(tok.encode(c.text, { addBos: false }).ids, c.text).toEqual(c.ids);
      expect(tok.decode(c.ids), c.text).toBe(c.decoded);
    }
  });

  const meta = {
    'tokenizer.ggml.model': 'llama',
    'tokenizer.ggml.tokens': ['<unk>', '<s>', '</s>', '▁', 'a', 'b', '▁a', 'ab'],
    'tokenizer.ggml.scores': [0, 0, 0, -1, -2, -3, -4, -5],
    'tokenizer.ggml.token_type': [2, 3, 3, 1, 1, 1, 1, 1],
    'tokenizer.ggml.bos_token_id': 1,
    'tokenizer.ggml.eos_token_id': 2,
    'tokenizer.ggml.padding_token_id': 4294967295,
  };

  it('builds a tokenizer from hand-written metadata', () => {
    const tok = ggufTokenizer(meta, 'x.gguf');
    expect(tok.special).toEqual({ bos: 1, eos: 2, pad: null, unk: 0 });
    // '▁ab▁a': the best-scored merge '▁a' (-4) wins over 'ab' (-5), as SentencePiece does
    expect(tok.encode('ab a').ids).toEqual([1, 6, 5, 6]);
    expect(tok.decode([1, 6, 5, 6])).toBe('ab a');
    expect(ggufTokenizer({ ...meta, 'tokenizer.ggml.add_space_prefix': false }, 'x.gguf').encode('ab', { addBos: false }).ids).toEqual([7]);
  });

  it('refuses missing or foreign tokenizers and inconsistent arrays', () => {
    const { ['tokenizer.ggml.model']: _, ...noModel } = meta;
    expect(() => ggufTokenizer(noModel, 'm.gguf')).toThrow(/m\.gguf: GGUF has no embedded tokenizer \('tokenizer\.ggml\.model' is missing\)/);
    expect(() => ggufTokenizer({ ...meta, 'tokenizer.ggml.model': 'gpt2' }, 'm.gguf')).toThrow(/m\.gguf: GGUF 'tokenizer\.ggml\.model' is 'gpt2'; only SentencePiece/);
    expect(() => ggufTokenizer({ ...meta, 'tokenizer.ggml.scores': [0, 1] }, 'm.gguf')).toThrow(/m\.gguf: GGUF 'tokenizer\.ggml\.scores' must be an array of 8 numbers/);
    expect(() => ggufTokenizer({ ...meta, 'tokenizer.ggml.tokens': [] }, 'm.gguf')).toThrow(/'tokenizer\.ggml\.tokens' must be a non-empty array of strings/);
    const noUnkType = { ...meta, 'tokenizer.ggml.token_type': [1, 3, 3, 1, 1, 1, 1, 1] };
    expect(ggufTokenizer({ ...noUnkType, 'tokenizer.ggml.unknown_token_id': 0 }, 'm.gguf').special.unk).toBe(0); // unk id from the metadata
    expect(() => ggufTokenizer(noUnkType, 'm.gguf')).toThrow(/m\.gguf: GGUF tokenizer has no unknown token/);
  });
});
