/** A `Tokenizer` backed by the native HF `tokenizers` library. */
import { readFileSync } from 'node:fs';
import type { Encoding, PaddingSide, SpecialIds } from '@crossedit/core';
import { FormatError } from '@crossedit/core';
import { BaseTokenizer } from '../base-tokenizer.js';
import { inferSpecialIds, tokenizerJsonVocab } from './special-ids.js';
import { SyncHfBridge } from './sync-bridge.js';
import type { TokenizerJson } from './tokenizer-json.js';

/** Options of {@link HfTokenizer}. */
export interface HfTokenizerOptions {
  /** Special ids overriding the inferred ones ({@link inferSpecialIds}). */
  special?: Partial<SpecialIds>;
  /** Default padding side (default `'left'`). */
  paddingSide?: PaddingSide;
}

interface Shared {
  bridge: SyncHfBridge;
  vocab: string[];
  specialIds: Set<number>;
}

/** UTF-16 offset of each code-point offset of `text` (identity when it has no surrogate pairs). */
function codePointToUtf16(text: string): number[] | null {
  if (!/[\uD800-\uDBFF][\uDC00-\uDFFF]/.test(text)) return null;
  const map: number[] = [];
  let u = 0;
  for (const ch of text) {
    map.push(u);
    u += ch.length;
  }
  map.push(u);
  return map;
}

/**
 * A tokenizer running a Hugging Face `tokenizer.json` in the native HF `tokenizers` library (Rust). The
 * Node binding only encodes asynchronously, so the native tokenizer runs in a worker thread and calls block
 * until it answers (a round trip costs about 0.1 ms; {@link BaseTokenizer.encodeMany} and `encodeBatch`
 * send a whole batch at once). BOS is prepended by this class (HF's post-processor is not used), offsets
 * are converted to UTF-16, and `decode` is HF's decoder (special tokens skipped by default).
 *
 * @example
 * const tok = HfTokenizer.fromFile('tokenizer.json');
 * tok.encode('Hello').ids;
 * tok.dispose();
 */
export class HfTokenizer extends BaseTokenizer {
  readonly vocabSize: number;

  private constructor(
    private readonly s: Shared,
    readonly special: SpecialIds,
    paddingSide: PaddingSide,
  ) {
    super(paddingSide);
    this.vocabSize = s.vocab.length;
  }

  /**
   * Builds the tokenizer from a parsed `tokenizer.json`.
   *
   * @param json the tokenizer
   * @param source its path or a name, for error messages (and to find `special_tokens_map.json` beside it)
   */
  static fromJson(json: TokenizerJson, source: string, opts?: HfTokenizerOptions): HfTokenizer {
    const vocab = tokenizerJsonVocab(json, source);
    const special = { ...inferSpecialIds(json, source.endsWith('.json') ? source : null), ...opts?.special };
    const bridge = new SyncHfBridge(JSON.stringify(json), source);
    const specialIds = new Set((json.added_tokens ?? []).filter((t) => t.special).map((t) => t.id));
    return new HfTokenizer({ bridge, vocab, specialIds }, special, opts?.paddingSide ?? 'left');
  }

  /** Reads a `tokenizer.json` file. */
  static fromFile(file: string, opts?: HfTokenizerOptions): HfTokenizer {
    let json: TokenizerJson;
    try {
      json = JSON.parse(readFileSync(file, 'utf8')) as TokenizerJson;
    } catch (e) {
      throw new FormatError(file, `cannot read tokenizer.json: ${(e as Error).message}`);
    }
    if (!json || typeof json !== 'object' || !json.model) throw new FormatError(file, 'no "model" section; not a tokenizer.json');
    return HfTokenizer.fromJson(json, file, opts);
  }

  idToToken(id: number): string | undefined {
    return this.s.vocab[id];
  }

  decode(ids: readonly number[], opts?: { skipSpecialTokens?: boolean }): string {
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
        throw new RangeError(`decode: id ${id} is outside the vocabulary of ${this.vocabSize} tokens`);
      }
    }
    return this.s.bridge.decode([...ids], opts?.skipSpecialTokens ?? true);
  }

  protected withSide(side: PaddingSide): HfTokenizer {
    return new HfTokenizer(this.s, this.special, side);
  }

  protected encodePlain(texts: readonly string[]): Encoding[] {
    const raw = this.s.bridge.encode([...texts], false);
    return raw.map((r, i) => {
      const map = codePointToUtf16(texts[i]);
      const offsets = r.offsets.map(([a, b]): [number, number] => (map ? [map[a], map[b]] : [a, b]));
      return { ids: r.ids, offsets };
    });
  }

  /** Stops the worker thread (the tokenizer and its copies are unusable afterwards). */
  dispose(): void {
    this.s.bridge.close();
  }
}
