/** An exact TypeScript implementation of SentencePiece BPE tokenization over a `tokenizer.model`. */
import type { Encoding, PaddingSide, SpecialIds } from '@crossedit/core';
import { FormatError } from '@crossedit/core';
import { BaseTokenizer } from '../base-tokenizer.js';
import { type BpeVocab, bpeSegment } from './bpe.js';
import { PrecompiledCharsmap } from './charsmap.js';
import { type DecodeVocab, PieceKind, spDecode } from './decode.js';
import { type ModelProto, ModelType, modelTypeName, PieceType, readModelProto } from './model-file.js';
import { type NormalizerOptions, normalize, SPACE_SYMBOL } from './normalizer.js';
import { PrefixMatcher } from './prefix-matcher.js';

/** Everything derived from a model file, shared by the copies `withPaddingSide` makes. */
interface SpModel {
  file: string;
  pieces: string[];
  types: Uint8Array;
  bpe: BpeVocab;
  reserved: Map<string, number>;
  unkId: number;
  byteFallback: boolean;
  byteIds: Int32Array;
  norm: NormalizerOptions;
  /** Chunks may be split before a `▁` (no mergeable piece has `▁` past its first character). */
  splitAtSpace: boolean;
  decode: DecodeVocab;
  special: SpecialIds;
  cache: Map<string, Int32Array>;
}

/** Options of {@link SentencePieceTokenizer.fromFile} and {@link SentencePieceTokenizer.fromProto}. */
export interface SentencePieceTokenizerOptions {
  /** Default padding side (default `'left'`). */
  paddingSide?: PaddingSide;
  /** Special ids overriding the model's `TrainerSpec` ids (e.g. a pad token added by a model's config). */
  special?: Partial<SpecialIds>;
}

const CACHE_LIMIT = 100_000;
const encoder = new TextEncoder();

/**
 * A `Tokenizer` that segments text exactly as the SentencePiece library does for BPE models (normalizer
 * with precompiled charsmap, dummy prefix, user-defined symbols, byte fallback, score-ordered merges with
 * SentencePiece's leftmost tie-breaking), synchronously and without native code.
 *
 * Offsets are UTF-16 `[start, end)` into the input; the dummy-prefix `▁` has an empty range at the start
 * of the text it precedes, and the byte pieces of one character all carry that character's range.
 * `decode` skips control pieces by default (as SentencePiece does); `<unk>` decodes to ` ⁇ `.
 *
 * @example
 * const tok = SentencePieceTokenizer.fromFile('../shared/tokenizers/baichuan-7b/tokenizer.model');
 * tok.encode('中华人民共和国').ids; // [1, 31106, 11643]
 */
export class SentencePieceTokenizer extends BaseTokenizer {
  readonly vocabSize: number;
  readonly special: SpecialIds;

  private constructor(
    private readonly m: SpModel,
    paddingSide: PaddingSide,
  ) {
    super(paddingSide);
    this.vocabSize = m.pieces.length;
    this.special = m.special;
  }

  /** Loads a `tokenizer.model` file. */
  static fromFile(file: string, opts?: SentencePieceTokenizerOptions): SentencePieceTokenizer {
    return SentencePieceTokenizer.fromProto(readModelProto(file), file, opts);
  }

  /**
   * Builds the tokenizer from a decoded model.
   *
   * @param file the model's path, for error messages
   * @throws FormatError for non-BPE models, duplicate pieces, byte pieces without byte fallback
   */
  static fromProto(proto: ModelProto, file: string, opts?: SentencePieceTokenizerOptions): SentencePieceTokenizer {
    const ts = proto.trainerSpec!;
    const ns = proto.normalizerSpec!;
    if (ts.modelType !== ModelType.BPE) {
      throw new FormatError(
        file,
        `TrainerSpec.model_type is ${modelTypeName(ts.modelType)}; only BPE SentencePiece models are supported (LLaMA, Chinese-LLaMA and Baichuan tokenizers are BPE)`,
      );
    }
    if (ts.treatWhitespaceAsSuffix) throw new FormatError(file, 'TrainerSpec.treat_whitespace_as_suffix = true is not supported');
    const n = proto.pieces.length;
    const pieces = proto.pieces.map((p) => p.piece);
    const types = new Uint8Array(n);
    const scores = new Float64Array(n);
    const unused = new Uint8Array(n);
    const mergeable = new Map<string, number>();
    const reserved = new Map<string, number>();
    const kind = new Uint8Array(n);
    const byteValue = new Int16Array(n).fill(-1);
    const userDefined: string[] = [];
    let unkId = -1;
    let spaceInside = false;
    for (let i = 0; i < n; i++) {
      const p = proto.pieces[i];
      types[i] = p.type;
      scores[i] = p.score;
      const normal = p.type === PieceType.NORMAL || p.type === PieceType.USER_DEFINED || p.type === PieceType.UNUSED;
      const table = normal ? mergeable : reserved;
      if (mergeable.has(p.piece) || reserved.has(p.piece)) {
        throw new FormatError(file, `ModelProto.pieces[${i}] ${JSON.stringify(p.piece)} is already defined`);
      }
      table.set(p.piece, i);
      if (normal && p.piece.indexOf(SPACE_SYMBOL, 1) > 0) spaceInside = true;
      if (p.type === PieceType.UNUSED) unused[i] = 1;
      if (p.type === PieceType.USER_DEFINED) userDefined.push(p.piece);
      if (p.type === PieceType.UNKNOWN) {
        kind[i] = PieceKind.Unknown;
        unkId = i;
      }
      if (p.type === PieceType.CONTROL) kind[i] = PieceKind.Control;
      if (p.type === PieceType.BYTE) {
        if (!ts.byteFallback) {
          throw new FormatError(file, `ModelProto.pieces[${i}] ${JSON.stringify(p.piece)} is a BYTE piece but TrainerSpec.byte_fallback is false`);
        }
        const m = /^<0x([0-9A-F]{2})>$/.exec(p.piece);
        if (!m) throw new FormatError(file, `ModelProto.pieces[${i}] ${JSON.stringify(p.piece)} is a BYTE piece but not of the form <0xXX>`);
        kind[i] = PieceKind.Byte;
        byteValue[i] = parseInt(m[1], 16);
      }
    }
    if (unkId < 0) throw new FormatError(file, 'no piece of type UNKNOWN');
    const pieceToId = (w: string) => reserved.get(w) ?? mergeable.get(w) ?? unkId;
    const byteIds = new Int32Array(256);
    for (let b = 0; b < 256; b++) byteIds[b] = pieceToId(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
    const userMatcher = new PrefixMatcher(userDefined);
    const charsmap = ns.precompiledCharsmap.length > 0 ? new PrecompiledCharsmap(ns.precompiledCharsmap, file) : null;
    const opt = (id: number) => (id >= 0 ? id : null);
    const m: SpModel = {
      file,
      pieces,
      types,
      bpe: { mergeable, scores, unused },
      reserved,
      unkId,
      byteFallback: ts.byteFallback,
      byteIds,
      norm: {
        charsmap,
        addDummyPrefix: ns.addDummyPrefix,
        removeExtraWhitespaces: ns.removeExtraWhitespaces,
        escapeWhitespaces: ns.escapeWhitespaces,
        userDefined: userMatcher,
      },
      splitAtSpace: ns.escapeWhitespaces && !spaceInside,
      decode: {
        pieces,
        kind,
        byteValue,
        unkSurface: ts.unkSurface,
        stripLeadingSpace: ns.addDummyPrefix || ns.removeExtraWhitespaces,
        removeExtraWhitespaces: ns.removeExtraWhitespaces,
      },
      special: { bos: opt(ts.bosId), eos: opt(ts.eosId), pad: opt(ts.padId), unk: unkId, ...opts?.special },
      cache: new Map(),
    };
    return new SentencePieceTokenizer(m, opts?.paddingSide ?? 'left');
  }

  /** The model file this tokenizer was read from. */
  get file(): string {
    return this.m.file;
  }

  /** The id of a piece (SentencePiece's `PieceToId`: unknown pieces give the unk id). */
  pieceToId(piece: string): number {
    return this.m.reserved.get(piece) ?? this.m.bpe.mergeable.get(piece) ?? this.m.unkId;
  }

  idToToken(id: number): string | undefined {
    return this.m.pieces[id];
  }

  decode(ids: readonly number[], opts?: { skipSpecialTokens?: boolean }): string {
    return spDecode(ids, this.m.decode, !(opts?.skipSpecialTokens ?? true));
  }

  protected withSide(side: PaddingSide): SentencePieceTokenizer {
    return new SentencePieceTokenizer(this.m, side);
  }

  protected encodePlain(texts: readonly string[]): Encoding[] {
    return texts.map((t) => this.encodeOne(t));
  }

  private encodeOne(input: string): Encoding {
    const m = this.m;
    const { text, toInput } = normalize(input, m.norm);
    // 1. segment into chunks that cannot merge with each other, and each chunk with BPE (cached)
    const rawIds: number[] = [];
    const rawStart: number[] = [];
    const rawEnd: number[] = [];
    let chunkStart = 0;
    let symbols: string[] = [];
    const flushChunk = (end: number) => {
      if (symbols.length === 0) return;
      const seg = this.segmentChunk(text.slice(chunkStart, end), symbols);
      for (let k = 0; k < seg.length; k += 3) {
        rawIds.push(seg[k]);
        rawStart.push(chunkStart + seg[k + 1]);
        rawEnd.push(chunkStart + seg[k + 2]);
      }
      symbols = [];
    };
    let pos = 0;
    while (pos < text.length) {
      const ud = m.norm.userDefined.match(text, pos);
      if (ud > 0) {
        flushChunk(pos);
        const w = text.slice(pos, pos + ud);
        rawIds.push(this.pieceToId(w));
        rawStart.push(pos);
        rawEnd.push(pos + ud);
        pos += ud;
        chunkStart = pos;
        continue;
      }
      const c = text.charCodeAt(pos);
      const len = c >= 0xd800 && c < 0xdc00 && pos + 1 < text.length && (text.charCodeAt(pos + 1) & 0xfc00) === 0xdc00 ? 2 : 1;
      if (m.splitAtSpace && text[pos] === SPACE_SYMBOL) {
        flushChunk(pos);
        chunkStart = pos;
      }
      symbols.push(text.slice(pos, pos + len));
      pos += len;
    }
    flushChunk(text.length);

    // 2. byte fallback / unknown fusion, and offsets into the input
    const ids: number[] = [];
    const offsets: [number, number][] = [];
    let prevUnk = false;
    for (let k = 0; k < rawIds.length; k++) {
      const id = rawIds[k];
      const s = toInput[rawStart[k]];
      const e = toInput[rawEnd[k]];
      const isUnk = id === m.unkId;
      if (isUnk && m.byteFallback) {
        for (const b of encoder.encode(text.slice(rawStart[k], rawEnd[k]))) {
          ids.push(m.byteIds[b]);
          offsets.push([s, e]);
        }
      } else if (isUnk && prevUnk) {
        offsets[offsets.length - 1][1] = e;
      } else {
        ids.push(id);
        offsets.push([s, e]);
      }
      prevUnk = isUnk;
    }
    return { ids, offsets };
  }

  /** BPE of one chunk as flat `[id, start, end]` triples relative to the chunk, memoized. */
  private segmentChunk(chunk: string, symbols: string[]): Int32Array {
    const cache = this.m.cache;
    let r = cache.get(chunk);
    if (r !== undefined) return r;
    const { pieces, starts, ends } = bpeSegment(symbols, this.m.bpe);
    r = new Int32Array(pieces.length * 3);
    for (let k = 0; k < pieces.length; k++) {
      r[3 * k] = this.pieceToId(pieces[k]);
      r[3 * k + 1] = starts[k];
      r[3 * k + 2] = ends[k];
    }
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(chunk, r);
    return r;
  }
}
