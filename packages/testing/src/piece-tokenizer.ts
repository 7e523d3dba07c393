/**
 * A SentencePiece-like tokenizer for tests that care about SentencePiece's space handling: a dummy space is
 * prepended and spaces become `▁`; a run of ASCII letters/digits with its preceding `▁` is one piece (`▁word`),
 * every other character is its own piece, and a `▁` not followed by a word is a piece of its own (so the
 * separator space before a Chinese target becomes a lone `▁`, as with LLaMA's tokenizer).
 */
import type { BatchEncoding, EncodeOptions, Encoding, LocateMethod, PaddingSide, SpecialIds, Tokenizer } from '@crossedit/core';
import { padBatch } from './pad-batch.js';

const SPECIALS = ['<unk>', '<s>', '</s>'];

/** The punctuation {@link pieceTokenizer} gives pieces of its own by default (bare and after a space). */
export const PIECE_PUNCTUATION: readonly string[] = ['.', ',', '?', '!', ':', "'"];

/** Options of {@link PieceTokenizer}. */
export interface PieceTokenizerOptions {
  /**
   * `'open'` (default without a vocabulary): an unseen piece gets the next id when first encoded (build the
   * model after encoding every text, with the final `vocabSize`); `'closed'`: unseen pieces are `<unk>` (0).
   */
  vocabulary?: 'open' | 'closed';
  paddingSide?: PaddingSide;
}

/**
 * A SentencePiece-like tokenizer (see the file comment). Ids: 0 `<unk>`, 1 `<s>` (BOS), 2 `</s>` (EOS, also
 * the padding id), then `pieces` in order, then (open vocabulary) pieces in first-seen order.
 */
export class PieceTokenizer implements Tokenizer {
  readonly special: SpecialIds = { bos: 1, eos: 2, pad: null, unk: 0 };
  readonly paddingSide: PaddingSide;
  readonly #open: boolean;
  readonly #ids: Map<string, number>;
  readonly #pieces: string[];

  constructor(pieces: readonly string[] = [], opts: PieceTokenizerOptions = {}, shared?: { ids: Map<string, number>; pieces: string[] }) {
    this.paddingSide = opts.paddingSide ?? 'left';
    this.#open = (opts.vocabulary ?? (pieces.length ? 'closed' : 'open')) === 'open';
    this.#pieces = shared?.pieces ?? [...SPECIALS, ...pieces];
    this.#ids = shared?.ids ?? new Map(this.#pieces.map((p, i) => [p, i]));
  }

  get vocabSize(): number {
    return this.#pieces.length;
  }

  #idOf(piece: string): number {
    let id = this.#ids.get(piece);
    if (id === undefined) {
      if (!this.#open) return 0;
      id = this.#pieces.length;
      this.#pieces.push(piece);
      this.#ids.set(piece, id);
    }
    return id;
  }

  /** The pieces of a text. */
  pieces(text: string): string[] {
    if (text === '') return [];
    return ('▁' + text.replace(/ /g, '▁')).match(/▁?[A-Za-z0-9]+|▁|[^▁A-Za-z0-9]/g) ?? [];
  }

  encode(text: string, opts: EncodeOptions = {}): Encoding {
    const ids: number[] = [];
    const offsets: [number, number][] = [];
    if (opts.addBos ?? true) {
      ids.push(1);
      offsets.push([0, 0]);
    }
    let pos = -1; // the dummy prefix space is at -1
    for (const p of this.pieces(text)) {
      ids.push(this.#idOf(p));
      offsets.push([Math.max(0, pos), Math.max(0, pos + p.length)]);
      pos += p.length;
    }
    return { ids, offsets };
  }

  decode(ids: readonly number[], opts: { skipSpecialTokens?: boolean } = {}): string {
    let out = '';
    for (const id of ids) {
      if (id < SPECIALS.length && opts.skipSpecialTokens) continue;
      out += id < SPECIALS.length ? SPECIALS[id] : (this.#pieces[id] ?? '').replace(/▁/g, ' ');
    }
    return out.startsWith(' ') ? out.slice(1) : out;
  }

  encodeBatch(texts: readonly string[], opts: EncodeOptions & { paddingSide?: PaddingSide } = {}): BatchEncoding {
    return padBatch(texts.map((t) => this.encode(t, opts).ids), opts.paddingSide ?? this.paddingSide, 2);
  }

  locate(text: string, span: string, opts: EncodeOptions & { method?: LocateMethod; occurrence?: 'first' | 'last' } = {}): number {
    const at = opts.occurrence === 'last' ? text.lastIndexOf(span) : text.indexOf(span);
    if (!span || at < 0) throw new Error(`locate: span ${JSON.stringify(span)} does not occur in ${JSON.stringify(text)}`);
    const end = at + span.length;
    if ((opts.method ?? 'prefix') === 'prefix') return this.encode(text.slice(0, end), opts).ids.length - 1;
    const { offsets } = this.encode(text, opts);
    for (let i = offsets.length - 1; i >= 0; i--) if (offsets[i][0] < end && offsets[i][1] > 0) return i;
    throw new Error(`locate: no token before the end of ${JSON.stringify(span)}`);
  }

  /** The same tokenizer (sharing an open vocabulary) padding on `side`. */
  withPaddingSide(side: PaddingSide): Tokenizer {
    return new PieceTokenizer([], { vocabulary: this.#open ? 'open' : 'closed', paddingSide: side }, { ids: this.#ids, pieces: this.#pieces });
  }

  idToToken(id: number): string | undefined {
    return this.#pieces[id];
  }
}

/**
 * A closed-vocabulary {@link PieceTokenizer} over `words`: the pieces are the punctuation marks, bare and after
 * a space, then `▁word` for every word (a word directly after punctuation, without a space, is `<unk>`).
 */
export function pieceTokenizer(words: readonly string[], punctuation: readonly string[] = PIECE_PUNCTUATION, paddingSide: PaddingSide = 'right'): PieceTokenizer {
  return new PieceTokenizer([...punctuation, ...punctuation.map((p) => '▁' + p), ...words.map((w) => '▁' + w)], { vocabulary: 'closed', paddingSide });
}
