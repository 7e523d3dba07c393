/** A word-level tokenizer implementing core's Tokenizer contract, for tests on tiny models. */
import type { BatchEncoding, EncodeOptions, Encoding, PaddingSide, SpecialIds, Tokenizer } from '@crossedit/core';

const SPECIALS = ['<unk>', '<s>', '</s>'];
const WORD = /[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu;

/** The words and punctuation marks of texts, in first-seen order (a vocabulary for {@link wordTokenizer}). */
export function vocabOf(texts: readonly string[]): string[] {
  const seen = new Set<string>();
  for (const t of texts) for (const m of t.matchAll(WORD)) seen.add(m[0]);
  return [...seen];
}

/**
 * A word-level tokenizer: a token is a run of letters/digits or one other non-space character; ids
 * 0 = `<unk>`, 1 = `<s>` (BOS), 2 = `</s>` (EOS, also the padding id), then `vocab` in order.
 */
export class WordTokenizer implements Tokenizer {
  readonly special: SpecialIds = { bos: 1, eos: 2, pad: null, unk: 0 };
  readonly #ids: Map<string, number>;
  readonly #words: string[];

  constructor(
    vocab: readonly string[],
    readonly paddingSide: PaddingSide = 'right',
  ) {
    this.#words = [...SPECIALS, ...vocab];
    this.#ids = new Map(this.#words.map((w, i) => [w, i]));
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
    for (const m of text.matchAll(WORD)) {
      ids.push(this.#ids.get(m[0]) ?? 0);
      offsets.push([m.index!, m.index! + m[0].length]);
    }
    return { ids, offsets };
  }

  decode(ids: readonly number[], opts: { skipSpecialTokens?: boolean } = {}): string {
    return ids
      .filter((id) => !(opts.skipSpecialTokens && id < SPECIALS.length))
      .map((id) => this.#words[id] ?? '<unk>')
      .join(' ');
  }

  encodeBatch(texts: readonly string[], opts: EncodeOptions & { paddingSide?: PaddingSide } = {}): BatchEncoding {
    const rows = texts.map((t) => this.encode(t, opts).ids);
    const s = Math.max(0, ...rows.map((r) => r.length));
    const side = opts.paddingSide ?? this.paddingSide;
    const pad = <T>(r: T[], v: T) => (side === 'left' ? [...new Array<T>(s - r.length).fill(v), ...r] : [...r, ...new Array<T>(s - r.length).fill(v)]);
    return { ids: rows.map((r) => pad(r, 2)), attentionMask: rows.map((r) => pad(r.map(() => 1), 0)), lengths: rows.map((r) => r.length) };
  }

  locate(text: string, span: string, opts: EncodeOptions & { occurrence?: 'first' | 'last' } = {}): number {
    const at = opts.occurrence === 'last' ? text.lastIndexOf(span) : text.indexOf(span);
    if (at < 0) throw new Error(`span ${JSON.stringify(span)} does not occur in ${JSON.stringify(text)}`);
    return this.encode(text.slice(0, at + span.length), opts).ids.length - 1;
  }

  withPaddingSide(side: PaddingSide): Tokenizer {
    return new WordTokenizer(this.#words.slice(SPECIALS.length), side);
  }

  idToToken(id: number): string | undefined {
    return this.#words[id];
  }
}

/** A {@link WordTokenizer} over `vocab`. */
export function wordTokenizer(vocab: readonly string[]): WordTokenizer {
  return new WordTokenizer(vocab);
}

