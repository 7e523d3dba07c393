/** Helpers shared by this package's tests and benchmark (not part of the public API). */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { fixturesDir, sharedDir } from '../corpus.js';

/** The three real SentencePiece models in `../shared/tokenizers/`. */
export const REAL_MODELS = ['chinese-llama-plus-7b', 'chinese-llama-2-7b', 'baichuan-7b'] as const;

/** Path of a real model file. */
export function realModelPath(name: string): string {
  return path.join(sharedDir(), 'tokenizers', name, 'tokenizer.model');
}

/** Whether the shared data (models and Bi-ZsRE) is present. */
export function haveSharedData(): boolean {
  return REAL_MODELS.every((m) => existsSync(realModelPath(m))) && existsSync(path.join(sharedDir(), 'data', 'bizsre'));
}

/** First 12 hex digits of the SHA-1 of a line's UTF-8 bytes (the fixture's alignment check). */
export function lineHash(s: string): string {
  return createHash('sha1').update(s, 'utf8').digest('hex').slice(0, 12);
}

/** One model's golden outputs. */
export interface GoldenModel {
  file_sha256: string;
  pieces: number;
  ids: number[][];
  decoded: Record<string, string>;
  offsets_codepoints: Record<string, [number, number][]>;
  decode_cases: { ids: number[]; text: string }[];
}

/** A variant: a real model with a NormalizerSpec appended. */
export interface GoldenVariant {
  base: string;
  append_hex: string;
  count: number;
  tail: number;
  ids: number[][];
  decoded: Record<string, string>;
}

/** The tiny synthetic model's outputs (no byte fallback, an UNUSED piece, a user-defined symbol). */
export interface GoldenTiny {
  lines: string[];
  corpus_head: number;
  ids: number[][];
  pieces: string[][];
  decoded: string[];
}

/** The golden fixture made by `fixtures/make_fixtures.py`. */
export interface Golden {
  tiny: GoldenTiny;
  sentencepiece_version: string;
  lines: number;
  line_sha1_12: string[];
  models: Record<string, GoldenModel>;
  variants: Record<string, GoldenVariant>;
}

/** Reads the golden fixture. */
export function readGolden(): Golden {
  return JSON.parse(gunzipSync(readFileSync(path.join(fixturesDir(), 'sentencepiece-golden.json.gz'))).toString('utf8')) as Golden;
}
