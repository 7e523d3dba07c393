/** What every crossedit tokenizer shares: BOS handling, batch padding, span location, padding side. */
import type {
  BatchEncoding,
  EncodeOptions,
  Encoding,
  LocateMethod,
  PaddingSide,
  SpecialIds,
  Tokenizer,
} from '@crossedit/core';
import { locateSpan } from './locate.js';

/**
 * Base class of the tokenizers in this package. Subclasses encode plain text (no special tokens) and
 * decode; this class adds BOS, batches with padding and attention masks, and `locate`.
 */
export abstract class BaseTokenizer implements Tokenizer {
  abstract readonly vocabSize: number;
  abstract readonly special: SpecialIds;

  /** @param paddingSide the default padding side of {@link encodeBatch} */
  constructor(readonly paddingSide: PaddingSide) {}

  /** Encodes texts without any special token; offsets are UTF-16 `[start, end)` into each text. */
  protected abstract encodePlain(texts: readonly string[]): Encoding[];

  /** A copy of this tokenizer with another default padding side. */
  protected abstract withSide(side: PaddingSide): BaseTokenizer;

  abstract decode(ids: readonly number[], opts?: { skipSpecialTokens?: boolean }): string;
  abstract idToToken(id: number): string | undefined;

  /** Adds BOS to plain encodings when asked (default: when the vocabulary has one). */
  protected finish(encs: Encoding[], opts?: EncodeOptions): Encoding[] {
    const bos = this.special.bos;
    if ((opts?.addBos ?? true) && bos !== null) {
      for (const e of encs) {
        e.ids.unshift(bos);
        e.offsets.unshift([0, 0]);
      }
    }
    return encs;
  }

  /**
   * Encodes one text.
   *
   * @example
   * tok.encode('Hello world').ids; // [1, 15043, 3186] with a LLaMA vocabulary
   */
  encode(text: string, opts?: EncodeOptions): Encoding {
    return this.finish(this.encodePlain([text]), opts)[0];
  }

  /** Encodes many texts (one native call where the engine allows it). */
  encodeMany(texts: readonly string[], opts?: EncodeOptions): Encoding[] {
    return this.finish(this.encodePlain(texts), opts);
  }

  /** Encodes and pads a batch; padding uses the pad id, else EOS, else 0. */
  encodeBatch(texts: readonly string[], opts?: EncodeOptions & { paddingSide?: PaddingSide }): BatchEncoding {
    const encs = this.encodeMany(texts, opts);
    const side = opts?.paddingSide ?? this.paddingSide;
    const padId = this.special.pad ?? this.special.eos ?? 0;
    const lengths = encs.map((e) => e.ids.length);
    const width = Math.max(0, ...lengths);
    const ids: number[][] = [];
    const attentionMask: number[][] = [];
    for (const e of encs) {
      const pad = width - e.ids.length;
      const padIds = new Array<number>(pad).fill(padId);
      const zeros = new Array<number>(pad).fill(0);
      const ones = new Array<number>(e.ids.length).fill(1);
      if (side === 'left') {
        ids.push([...padIds, ...e.ids]);
        attentionMask.push([...zeros, ...ones]);
      } else {
        ids.push([...e.ids, ...padIds]);
        attentionMask.push([...ones, ...zeros]);
      }
    }
    return { ids, attentionMask, lengths };
  }

  /** See {@link locateSpan}. */
  locate(
    text: string,
    span: string,
    opts?: EncodeOptions & { method?: LocateMethod; occurrence?: 'first' | 'last' },
  ): number {
    return locateSpan(this, text, span, opts);
  }

  /** The same tokenizer with another default padding side. */
  withPaddingSide(side: PaddingSide): Tokenizer {
    return this.withSide(side);
  }
}
