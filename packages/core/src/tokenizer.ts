/** The tokenizer contract every backbone's tokenizer implements. */

/** Which side of a batch gets padding. */
export type PaddingSide = 'left' | 'right';

/** Ids of the special tokens (`null` where the vocabulary has none). */
export interface SpecialIds {
  bos: number | null;
  eos: number | null;
  pad: number | null;
  unk: number | null;
}

/** One encoded text: ids and, per id, the `[start, end)` UTF-16 offsets of the text it covers. */
export interface Encoding {
  ids: number[];
  /** `[start, end)` into the input string; special tokens such as BOS have `[0, 0]`. */
  offsets: [number, number][];
}

/** A padded batch. */
export interface BatchEncoding {
  /** `[B][S]` ids, padded with the pad id (or eos, or 0) on the padding side. */
  ids: number[][];
  /** `[B][S]` 1 for real tokens, 0 for padding. */
  attentionMask: number[][];
  /** Unpadded length of each row. */
  lengths: number[];
}

/** Options of {@link Tokenizer.encode}. */
export interface EncodeOptions {
  /** Prepend BOS (default true, as LLaMA and Baichuan tokenizers do). */
  addBos?: boolean;
}

/**
 * How {@link Tokenizer.locate} finds the span's last token:
 * - `'prefix'`: the reference code's rule, `len(encode(prefix + span)) - 1` with separate encodings
 *   of `prefix + span` (what ROME/MEMIT's `subject_last` computes);
 * - `'offsets'`: the last token of the full encoding whose character range starts before the span's end.
 */
export type LocateMethod = 'prefix' | 'offsets';

/** A tokenizer. Implementations are immutable; `withPaddingSide` returns a copy. */
export interface Tokenizer {
  /** Number of ids. */
  readonly vocabSize: number;
  /** Special token ids. */
  readonly special: SpecialIds;
  /** The padding side used by {@link Tokenizer.encodeBatch} when none is given. */
  readonly paddingSide: PaddingSide;
  /** Encodes one text. */
  encode(text: string, opts?: EncodeOptions): Encoding;
  /** Decodes ids to text. */
  decode(ids: readonly number[], opts?: { skipSpecialTokens?: boolean }): string;
  /** Encodes and pads a batch. */
  encodeBatch(texts: readonly string[], opts?: EncodeOptions & { paddingSide?: PaddingSide }): BatchEncoding;
  /**
   * The index, in `encode(text, opts)`, of the last token of `span`, whose first occurrence in `text` is
   * used (or the last occurrence with `occurrence: 'last'`). Throws if `span` does not occur.
   */
  locate(text: string, span: string, opts?: EncodeOptions & { method?: LocateMethod; occurrence?: 'first' | 'last' }): number;
  /** The same tokenizer with another default padding side. */
  withPaddingSide(side: PaddingSide): Tokenizer;
  /** The piece string of an id (for display). */
  idToToken(id: number): string | undefined;
}
