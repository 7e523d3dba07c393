/** Fast batch encoding with the HF tokenizer of a tokenizer.json (no special tokens), for building training data. */
import tokenizers from 'tokenizers';
import type { EncodeFn } from '../train/data.js';

/** The special ids of a tokenizer.json vocabulary (BOS `<s>`, EOS `</s>`, PAD `<pad>`, UNK `<unk>`). */
export interface HfSpecials {
  bos: number;
  eos: number;
  pad: number;
  unk: number;
}

/**
 * An encoder over a tokenizer.json file: encodes texts to ids without BOS/EOS, and the special ids.
 *
 * @example
 * ```ts
 * const { encode, special, vocabSize } = loadHfEncoder('assets/tokenizer.json');
 * const [ids] = await encode(['What is the capital of France? Paris']);
 * ```
 */
export function loadHfEncoder(file: string): { encode: EncodeFn; special: HfSpecials; vocabSize: number } {
  const tok = tokenizers.Tokenizer.fromFile(file);
  const id = (t: string): number => {
    const v = tok.tokenToId(t);
    if (v === null || v === undefined) throw new Error(`${file}: the vocabulary has no '${t}' token`);
    return v;
  };
  const special = { bos: id('<s>'), eos: id('</s>'), pad: id('<pad>'), unk: id('<unk>') };
  const encode: EncodeFn = async (texts) => {
    const out: number[][] = [];
    for (let i = 0; i < texts.length; i += 1024) {
      const encs = await tok.encodeBatch(texts.slice(i, i + 1024), { addSpecialTokens: false });
      for (const e of encs) out.push(e.getIds());
    }
    return out;
  };
  return { encode, special, vocabSize: tok.getVocabSize(true) };
}
