/**
 * A closed-vocabulary toy tokenizer for grids on random models: a token is a run of Latin letters or
 * digits, a single CJK character, or any other single non-space character; the vocabulary is fixed
 * when the tokenizer is built, unknown pieces map to `<unk>`. Ids: 0 `<unk>`, 1 `<s>` (BOS), 2 `</s>`
 * (EOS, also padding), then the vocabulary in first-seen order.
 */
import type { BatchEncoding, EncodeOptions, Encoding, LocateMethod, PaddingSide, SpecialIds, Tokenizer } from '@crossedit/core';

const SPECIALS = ['<unk>', '<s>', '</s>'];
const PIECE = /[\p{Script=Latin}\p{N}]+|\p{Script=Han}|[^\s]/gu;

/** The pieces of a text with their `[start, end)` offsets. */
function pieces(text: string): { piece: string; start: number; end: number }[] {
  return [...text.matchAll(PIECE)].map((m) => ({ piece: m[0], start: m.index!, end: m.index! + m[0].length }));
}

/**
 * The distinct pieces of `texts` in first-seen order: the vocabulary of a {@link VocabTokenizer}.
 * @example vocabularyOf(['Who is it?', '谁']) // ['Who', 'is', 'it', '?', '谁']
 */
export function vocabularyOf(texts: Iterable<string>): string[] {
  const seen = new Set<string>();
  for (const t of texts) for (const p of pieces(t)) seen.add(p.piece);
  return [...seen];
}

/**
 * A word/character-level tokenizer over a fixed vocabulary, implementing core's `Tokenizer`.
 * Decoding joins Latin/digit pieces with spaces and CJK characters without.
 * @example
 * const tok = new VocabTokenizer(vocabularyOf(texts));
 * tok.encode('Who is it?').ids; // [1, 3, 4, 5, 6]
 */
export class VocabTokenizer implements Tokenizer {
  readonly special: SpecialIds = { bos: 1, eos: 2, pad: null, unk: 0 };
  readonly #words: readonly string[];
  readonly #ids: ReadonlyMap<string, number>;

  constructor(
    vocab: readonly string[],
    readonly paddingSide: PaddingSide = 'left',
  ) {
    this.#words = [...SPECIALS, ...vocab];
    this.#ids = new Map(this.#words.map((w, i) => [w, i]));
  }

  get vocabSize(): number {
    return this.#words.length;
  }

  /** The vocabulary without the special tokens. */
  get vocabulary(): readonly string[] {
    return this.#words.slice(SPECIALS.length);
  }

  encode(text: string, opts: EncodeOptions = {}): Encoding {
    const ids: number[] = [];
    const offsets: [number, number][] = [];
    if (opts.addBos ?? true) {
      ids.push(1);
      offsets.push([0, 0]);
    }
    for (const p of pieces(text)) {
      ids.push(this.#ids.get(p.piece) ?? 0);
      offsets.push([p.start, p.end]);
    }
    return { ids, offsets };
  }

  decode(ids: readonly number[], opts: { skipSpecialTokens?: boolean } = {}): string {
    let out = '';
    let prevWord = false;
    for (const id of ids) {
      if (opts.skipSpecialTokens && id < SPECIALS.length) continue;
      const w = this.#words[id] ?? '<unk>';
      const word = /^[\p{Script=Latin}\p{N}<]/u.test(w);
      if (out && (word || prevWord) && !/^\p{Script=Han}$/u.test(w)) out += ' ';
      out += w;
      prevWord = word;
    }
    return out;
  }

  encodeBatch(texts: readonly string[], opts: EncodeOptions & { paddingSide?: PaddingSide } = {}): BatchEncoding {
    const rows = texts.map((t) => this.encode(t, opts).ids);
    const S = Math.max(0, ...rows.map((r) => r.length));
    const left = (opts.paddingSide ?? this.paddingSide) === 'left';
    const pad = (r: number[], v: number) => {
      const fill = new Array<number>(S - r.length).fill(v);
      return left ? [...fill, ...r] : [...r, ...fill];
    };
    return { ids: rows.map((r) => pad(r, 2)), attentionMask: rows.map((r) => pad(r.map(() => 1), 0)), lengths: rows.map((r) => r.length) };
  }

  locate(text: string, span: string, opts: EncodeOptions & { method?: LocateMethod; occurrence?: 'first' | 'last' } = {}): number {
    const at = opts.occurrence === 'last' ? text.lastIndexOf(span) : text.indexOf(span);
    if (at < 0) throw new Error(`locate: span ${JSON.stringify(span)} does not occur in ${JSON.stringify(text)}`);
    const end = at + span.length;
    if ((opts.method ?? 'prefix') === 'prefix') return this.encode(text.slice(0, end), opts).ids.length - 1;
    const enc = this.encode(text, opts);
    let last = 0;
    enc.offsets.forEach(([s, e], i) => {
      if (e > s && s < end) last = i;
    });
    return last;
  }

  withPaddingSide(side: PaddingSide): Tokenizer {
    return new VocabTokenizer(this.vocabulary, side);
  }

  idToToken(id: number): string | undefined {
    return this.#words[id];
  }
}
