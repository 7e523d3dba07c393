/**
 * The tokenizer embedded in a LLaMA GGUF (`tokenizer.ggml.*` metadata), rebuilt as the SentencePiece model it
 * was converted from, so it runs through the exact SentencePiece implementation of `@crossedit/tokenizers`.
 */
import { FormatError, type PaddingSide } from '@crossedit/core';
import { SentencePieceTokenizer, parseModelProto, type ModelProto } from '@crossedit/tokenizers';
import { ProtoWriter } from './proto-writer.js';

/** SentencePiece piece types; GGUF's `tokenizer.ggml.token_type` uses the same numbers. */
const NORMAL = 1;
const UNKNOWN = 2;
const BYTE = 6;
/** `TrainerSpec.ModelType.BPE`. */
const BPE = 2;

function optId(file: string, meta: Readonly<Record<string, unknown>>, key: string, n: number): number {
  const v = meta[key];
  if (v === undefined) return -1;
  const id = typeof v === 'bigint' ? Number(v) : v;
  if (typeof id !== 'number' || !Number.isInteger(id)) throw new FormatError(file, `GGUF metadata '${key}' is ${String(v)}, expected a token id`);
  if (id < 0 || id >= n) return -1; // llama.cpp writes 0xFFFFFFFF for "none"
  return id;
}

/**
 * The serialized SentencePiece `tokenizer.model` equivalent to a GGUF's embedded LLaMA tokenizer: pieces, scores and types
 * from `tokenizer.ggml.tokens/scores/token_type`, special ids from `tokenizer.ggml.*_token_id`, and the
 * normalizer llama.cpp assumes for SentencePiece models (no charsmap, spaces kept, `▁` escaping, the dummy
 * prefix unless `tokenizer.ggml.add_space_prefix` is false). Byte fallback is on when byte pieces exist.
 *
 * Written to a file, it is a `tokenizer.model` the SentencePiece library loads.
 *
 * @param file the GGUF's path, for error messages
 * @throws FormatError naming the file and the metadata key when the tokenizer is absent, not a SentencePiece
 *   (`llama`) tokenizer, or inconsistent
 */
export function ggufTokenizerModel(meta: Readonly<Record<string, unknown>>, file: string): Uint8Array {
  const model = meta['tokenizer.ggml.model'];
  if (model === undefined) throw new FormatError(file, "GGUF has no embedded tokenizer ('tokenizer.ggml.model' is missing); pass a tokenizer file");
  if (model !== 'llama') {
    throw new FormatError(file, `GGUF 'tokenizer.ggml.model' is '${String(model)}'; only SentencePiece ('llama') tokenizers can be rebuilt — pass a tokenizer file`);
  }
  const tokens = meta['tokenizer.ggml.tokens'];
  if (!Array.isArray(tokens) || tokens.length === 0 || !tokens.every((t) => typeof t === 'string')) {
    throw new FormatError(file, "GGUF 'tokenizer.ggml.tokens' must be a non-empty array of strings");
  }
  const n = tokens.length;
  const arr = (key: string): number[] | null => {
    const v = meta[key];
    if (v === undefined) return null;
    if (!Array.isArray(v) || v.length !== n || !v.every((x) => typeof x === 'number')) {
      throw new FormatError(file, `GGUF '${key}' must be an array of ${n} numbers (one per token)`);
    }
    return v as number[];
  };
  const scores = arr('tokenizer.ggml.scores');
  const types = arr('tokenizer.ggml.token_type');
  let unk = optId(file, meta, 'tokenizer.ggml.unknown_token_id', n);
  if (unk < 0 && types) unk = types.indexOf(UNKNOWN);
  if (unk < 0) throw new FormatError(file, "GGUF tokenizer has no unknown token ('tokenizer.ggml.unknown_token_id' or a token_type 2)");
  const addPrefix = meta['tokenizer.ggml.add_space_prefix'];

  const w = new ProtoWriter();
  for (let i = 0; i < n; i++) {
    const p = new ProtoWriter().string(1, tokens[i] as string).float(2, scores ? scores[i] : 0);
    p.int(3, i === unk ? UNKNOWN : types ? types[i] : NORMAL);
    w.message(1, p);
  }
  const trainer = new ProtoWriter()
    .int(3, BPE)
    .int(4, n)
    .int(35, types ? types.includes(BYTE) : false)
    .int(40, unk)
    .int(41, optId(file, meta, 'tokenizer.ggml.bos_token_id', n))
    .int(42, optId(file, meta, 'tokenizer.ggml.eos_token_id', n))
    .int(43, optId(file, meta, 'tokenizer.ggml.padding_token_id', n));
  w.message(2, trainer);
  const normalizer = new ProtoWriter()
    .string(1, 'identity')
    .int(3, addPrefix === undefined ? true : Boolean(addPrefix))
    .int(4, false)
    .int(5, true);
  w.message(3, normalizer);
  return w.finish();
}

/** The decoded `ModelProto` of {@link ggufTokenizerModel}. */
export function ggufTokenizerProto(meta: Readonly<Record<string, unknown>>, file: string): ModelProto {
  return parseModelProto(ggufTokenizerModel(meta, file), `${file} (embedded tokenizer)`);
}

/**
 * The tokenizer embedded in a LLaMA GGUF, run by the exact SentencePiece implementation.
 *
 * @example
 * ```ts
 * const r = await GgufReader.open('../shared/models/stories260k/stories260K.gguf');
 * const tok = ggufTokenizer(r.metadata, r.path);
 * tok.encode('Once upon a time').ids; // [1, 403, 407, 261, 378]
 * ```
 */
export function ggufTokenizer(meta: Readonly<Record<string, unknown>>, file: string, opts?: { paddingSide?: PaddingSide }): SentencePieceTokenizer {
  return SentencePieceTokenizer.fromProto(ggufTokenizerProto(meta, file), file, opts);
}
