/** A word-level tokenizer implementing core's Tokenizer contract, for tests on tiny models. */
import type { BatchEncoding, EncodeOptions, Encoding, LocateMethod, PaddingSide, SpecialIds, Tokenizer } from '@crossedit/core';
import { padBatch } from './pad-batch.js';

const SPECIALS = ['<unk>', '<s>', '</s>'];

/**
 * How text splits into tokens: `'words'` (default), a run of letters/digits or one other non-space
 * character; `'scripts'`, a run of Latin letters/digits, one CJK character, or one other non-space character
 * (a closed vocabulary for multilingual data without word boundaries), decoded without spaces around CJK.
 */
export type WordSplit = 'words' | 'scripts';

const SPLIT: Readonly<Record<WordSplit, RegExp>> = {
  words: /[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu,
  scripts: /[\p{Script=Latin}\p{N}]+|\p{Script=Han}|[^\s]/gu,
};

/** The tokens of texts, in first-seen order (a vocabulary for {@link wordTokenizer}). */
export function vocabOf(texts: Iterable<string>, split: WordSplit = 'words'): string[] {
  const seen = new Set<string>();
  for (const t of texts) for (const m of t.matchAll(SPLIT[split])) seen.add(m[0]);
  return [...seen];
}

/**
 * A word-level tokenizer over a fixed vocabulary (unknown tokens are `<unk>`): ids 0 = `<unk>`, 1 = `<s>`
 * (BOS), 2 = `</s>` (EOS, also the padding id), then `vocab` in order. See {@link WordSplit} for the tokens.
 */
export class WordTokenizer implements Tokenizer {
  readonly special: SpecialIds = { bos: 1, eos: 2, pad: null, unk: 0 };
  readonly #ids: Map<string, number>;
  readonly #words: string[];

  constructor(
    vocab: readonly string[],
    readonly paddingSide: PaddingSide = 'right',
    readonly split: WordSplit = 'words',
  ) {
    this.#words = [...SPECIALS, ...vocab];
    this.#ids = new Map(this.#words.map((w, i) => [w, i]));
  }

  /** The vocabulary without the special tokens. */
  get vocabulary(): readonly string[] {
    return this.#words.slice(SPECIALS.length);
  }

  get vocabSize(): number {
    return this.#words.length;
  }

  encode(text: string, opts: EncodeOptions = {}): Encoding {
    const ids: number[] = [];
    const offsets: [number, number][] = [];
    if (opts.addBos ?? true) {
      ids.push(1);
      offsets.push([0, 0]);
    }
    for (const m of text.matchAll(SPLIT[this.split])) {
      ids.push(this.#ids.get(m[0]) ?? 0);
      offsets.push([m.index!, m.index! + m[0].length]);
    }
    return { ids, offsets };
  }

  decode(ids: readonly number[], opts: { skipSpecialTokens?: boolean } = {}): string {
    const words = ids.filter((id) => !(opts.skipSpecialTokens && id < SPECIALS.length)).map((id) => this.#words[id] ?? '<unk>');
    if (this.split === 'words') return words.join(' ');
    // 'scripts': a space before a Latin/digit/special token and after one, none before a CJK character
    let out = '';
    let prevWord = false;
    for (const w of words) {
      const word = /^[\p{Script=Latin}\p{N}<]/u.test(w);
      if (out && (word || prevWord) && !/^\p{Script=Han}$/u.test(w)) out += ' ';
      out += w;
      prevWord = word;
    }
    return out;
  }

  encodeBatch(texts: readonly string[], opts: EncodeOptions & { paddingSide?: PaddingSide } = {}): BatchEncoding {
    return padBatch(texts.map((t) => this.encode(t, opts).ids), opts.paddingSide ?? this.paddingSide, 2);
  }

  locate(text: string, span: string, opts: EncodeOptions & { method?: LocateMethod; occurrence?: 'first' | 'last' } = {}): number {
    const at = opts.occurrence === 'last' ? text.lastIndexOf(span) : text.indexOf(span);
    if (at < 0) throw new Error(`span ${JSON.stringify(span)} does not occur in ${JSON.stringify(text)}`);
    const end = at + span.length;
    if ((opts.method ?? 'prefix') === 'prefix') return this.encode(text.slice(0, end), opts).ids.length - 1;
    // 'offsets': the last token that starts before the span's end
    let last = 0;
    this.encode(text, opts).offsets.forEach(([s, e], i) => {
      if (e > s && s < end) last = i;
    });
    return last;
  }

  withPaddingSide(side: PaddingSide): Tokenizer {
    return new WordTokenizer(this.vocabulary, side, this.split);
  }

  idToToken(id: number): string | undefined {
    return this.#words[id];
  }
}

/** A {@link WordTokenizer} over `vocab`. */
export function wordTokenizer(vocab: readonly string[], split: WordSplit = 'words'): WordTokenizer {
  return new WordTokenizer(vocab, 'right', split);
}

