/**
 * A tiny word-level tokenizer implementing the core contract, for tests: SentencePiece-like pieces
 * (`▁word` for a word after a space, with a dummy leading space; punctuation as single characters),
 * BOS = 1, EOS = 2, unknown = 0. Not exported from the package index.
 */
import type { BatchEncoding, EncodeOptions, Encoding, LocateMethod, PaddingSide, SpecialIds, Tokenizer } from '@crossedit/core';

const SPECIALS = ['<unk>', '<s>', '</s>'];
const PUNCT = ['.', ',', '?', '!', ':', "'"];

/** The default test vocabulary's words. */
export const TEST_WORDS = (
  'the a an of in on at to is was are be by for with from as and or not it this that what which who where when how ' +
  'capital city country river language president author born located plays sport team works company founded ' +
  'France Paris Germany Berlin Italy Rome Spain Madrid Japan Tokyo China Beijing England London Canada Ottawa ' +
  'Danielle Darrieux Einstein Newton Curie Picasso Mozart Shakespeare Toyota Apple Nokia Finland Sweden Norway ' +
  'English French German Italian Spanish Japanese Chinese football tennis chess piano violin guitar ' +
  'The Therefore Because I You We They He She It one two three red blue green big small old new good bad'
).split(' ');

/** A word-level tokenizer over a fixed vocabulary. */
export class WordTokenizer implements Tokenizer {
  readonly special: SpecialIds = { bos: 1, eos: 2, pad: null, unk: 0 };
  readonly #pieces: string[];
  readonly #ids = new Map<string, number>();

  constructor(
    words: readonly string[] = TEST_WORDS,
    readonly paddingSide: PaddingSide = 'right',
  ) {
    this.#pieces = [...SPECIALS, ...PUNCT, ...PUNCT.map((p) => '▁' + p), ...words.map((w) => '▁' + w)];
    this.#pieces.forEach((p, i) => this.#ids.set(p, i));
  }

  get vocabSize(): number {
    return this.#pieces.length;
  }

  encode(text: string, opts?: EncodeOptions): Encoding {
    const ids: number[] = [];
    const offsets: [number, number][] = [];
    if ((opts?.addBos ?? true) && this.special.bos !== null) {
      ids.push(this.special.bos);
      offsets.push([0, 0]);
    }
    // a dummy leading space, as SentencePiece adds: the first word is '▁word' too
    const re = /(\s*)([A-Za-z0-9\u00C0-\uFFFF]+|[^\sA-Za-z0-9\u00C0-\uFFFF])/g;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      const spaced = m[1].length > 0 || m.index === 0;
      const piece = (spaced ? '▁' : '') + m[2];
      ids.push(this.#ids.get(piece) ?? 0);
      offsets.push([m.index + m[1].length, m.index + m[0].length]);
    }
    return { ids, offsets };
  }

  decode(ids: readonly number[], opts?: { skipSpecialTokens?: boolean }): string {
    const skip = opts?.skipSpecialTokens ?? false;
    let s = '';
    for (const id of ids) {
      if (skip && id < SPECIALS.length) continue;
      s += (this.#pieces[id] ?? '<unk>').replace(/^▁/, ' ');
    }
    return s.replace(/^ /, '');
  }

  encodeBatch(texts: readonly string[], opts?: EncodeOptions & { paddingSide?: PaddingSide }): BatchEncoding {
    const encs = texts.map((t) => this.encode(t, opts).ids);
    const s = Math.max(...encs.map((e) => e.length));
    const side = opts?.paddingSide ?? this.paddingSide;
    const pad = this.special.pad ?? this.special.eos ?? 0;
    const ids = encs.map((e) => (side === 'right' ? [...e, ...Array(s - e.length).fill(pad)] : [...Array(s - e.length).fill(pad), ...e]));
    const attentionMask = encs.map((e) => {
      const ones = Array(e.length).fill(1);
      const zeros = Array(s - e.length).fill(0);
      return side === 'right' ? [...ones, ...zeros] : [...zeros, ...ones];
    });
    return { ids, attentionMask, lengths: encs.map((e) => e.length) };
  }

  locate(text: string, span: string, opts?: EncodeOptions & { method?: LocateMethod; occurrence?: 'first' | 'last' }): number {
    const at = opts?.occurrence === 'last' ? text.lastIndexOf(span) : text.indexOf(span);
    if (!span || at < 0) throw new Error(`locate: span ${JSON.stringify(span)} does not occur in ${JSON.stringify(text)}`);
    const end = at + span.length;
    if ((opts?.method ?? 'prefix') === 'prefix') return this.encode(text.slice(0, end), opts).ids.length - 1;
    const { offsets } = this.encode(text, opts);
    for (let i = offsets.length - 1; i >= 0; i--) if (offsets[i][0] < end && offsets[i][1] > 0) return i;
    throw new Error(`locate: no token before the end of ${JSON.stringify(span)}`);
  }

  withPaddingSide(side: PaddingSide): Tokenizer {
    return new WordTokenizer(this.#pieces.filter((p, i) => i >= SPECIALS.length + 2 * PUNCT.length).map((p) => p.slice(1)), side);
  }

  idToToken(id: number): string | undefined {
    return this.#pieces[id];
  }
}
