/** Converting a SentencePiece `tokenizer.model` to a Hugging Face `tokenizer.json`. */
import { writeFileSync } from 'node:fs';
import { FormatError } from '@crossedit/core';
import { type ModelProto, ModelType, modelTypeName, PieceType, readModelProto } from '../sentencepiece/model-file.js';
import { SPACE_SYMBOL } from '../sentencepiece/normalizer.js';
import { deriveMerges } from './merges.js';
import type { AddedTokenJson, ComponentJson, TokenizerJson } from './tokenizer-json.js';

/**
 * The HF tokenizer equivalent to a decoded SentencePiece BPE model: a BPE model with the vocabulary, merges
 * derived from the scores ({@link deriveMerges}), byte fallback and unknown-token fusion; a normalizer with
 * the precompiled charsmap (HF's `Precompiled`, e.g. Baichuan-7B's `nmt_nfkc`), extra-whitespace removal
 * when the model asks for it, and `' '` → `▁`; the dummy prefix; control and unknown pieces as special
 * added tokens, user-defined pieces as non-special added tokens matched before normalization; a decoder
 * (▁ → space, byte fallback, fuse, strip the dummy space); a post-processor that prepends BOS.
 *
 * The dummy prefix is HF's `Prepend` normalizer when the model has no user-defined symbols (this is exact),
 * and a `Metaspace` pre-tokenizer with `prepend_scheme: "first"` otherwise (HF runs normalizers on each
 * piece of text between added tokens, so `Prepend` would add a `▁` after every user-defined symbol; with
 * `Metaspace` a text that starts with a space or a user-defined symbol loses SentencePiece's extra `▁`).
 *
 * HF's BPE applies merges in a fixed rank order while SentencePiece breaks score ties by position, so the
 * converted tokenizer, run by HF, can segment differently from SentencePiece wherever the vocabulary has
 * equal scores (Chinese-LLaMA: about one Chinese line in ten). {@link SentencePieceTokenizer} is exact.
 *
 * @param proto the decoded model ({@link readModelProto})
 * @param file its path, for error messages
 * @throws FormatError for unigram/word/char models and unsupported options
 */
export function modelProtoToTokenizerJson(proto: ModelProto, file: string): TokenizerJson {
  const ts = proto.trainerSpec!;
  const ns = proto.normalizerSpec!;
  if (ts.modelType !== ModelType.BPE) {
    throw new FormatError(
      file,
      `TrainerSpec.model_type is ${modelTypeName(ts.modelType)}; only BPE SentencePiece models can be converted`,
    );
  }
  if (ts.treatWhitespaceAsSuffix) throw new FormatError(file, 'TrainerSpec.treat_whitespace_as_suffix = true is not supported');
  const vocab: Record<string, number> = {};
  const added: AddedTokenJson[] = [];
  let hasUserDefined = false;
  proto.pieces.forEach((p, i) => {
    if (Object.prototype.hasOwnProperty.call(vocab, p.piece)) {
      throw new FormatError(file, `ModelProto.pieces[${i}] ${JSON.stringify(p.piece)} is already defined`);
    }
    vocab[p.piece] = i;
    const special = p.type === PieceType.CONTROL || p.type === PieceType.UNKNOWN;
    if (special || p.type === PieceType.USER_DEFINED) {
      hasUserDefined ||= p.type === PieceType.USER_DEFINED;
      added.push({ id: i, content: p.piece, single_word: false, lstrip: false, rstrip: false, normalized: false, special });
    }
  });
  const merges = deriveMerges(
    proto.pieces.map((p) => ({
      piece: p.piece,
      score: p.score,
      mergeable: p.type === PieceType.NORMAL || p.type === PieceType.USER_DEFINED || p.type === PieceType.UNUSED,
    })),
  );

  const space = ns.escapeWhitespaces ? SPACE_SYMBOL : ' ';
  const normalizers: ComponentJson[] = [];
  if (ns.precompiledCharsmap.length > 0) {
    normalizers.push({ type: 'Precompiled', precompiled_charsmap: Buffer.from(ns.precompiledCharsmap).toString('base64') });
  }
  if (ns.removeExtraWhitespaces) {
    normalizers.push({ type: 'Strip', strip_left: true, strip_right: true });
    normalizers.push({ type: 'Replace', pattern: { Regex: ' {2,}' }, content: ' ' });
  }
  let preTokenizer: ComponentJson | null = null;
  if (ns.addDummyPrefix && !hasUserDefined) normalizers.push({ type: 'Prepend', prepend: space });
  if (ns.escapeWhitespaces) normalizers.push({ type: 'Replace', pattern: { String: ' ' }, content: SPACE_SYMBOL });
  if (ns.addDummyPrefix && hasUserDefined) {
    preTokenizer = { type: 'Metaspace', replacement: space, prepend_scheme: 'first', split: false };
  }

  const decoders: ComponentJson[] = [];
  if (ns.escapeWhitespaces) decoders.push({ type: 'Replace', pattern: { String: SPACE_SYMBOL }, content: ' ' });
  if (ts.byteFallback) decoders.push({ type: 'ByteFallback' });
  decoders.push({ type: 'Fuse' });
  if (ns.addDummyPrefix || ns.removeExtraWhitespaces) decoders.push({ type: 'Strip', content: ' ', start: 1, stop: 0 });

  let postProcessor: ComponentJson | null = null;
  if (ts.bosId >= 0) {
    const bos = proto.pieces[ts.bosId].piece;
    const tok = (typeId: number) => ({ SpecialToken: { id: bos, type_id: typeId } });
    const seq = (id: string, typeId: number) => ({ Sequence: { id, type_id: typeId } });
    postProcessor = {
      type: 'TemplateProcessing',
      single: [tok(0), seq('A', 0)],
      pair: [tok(0), seq('A', 0), tok(1), seq('B', 1)],
      special_tokens: { [bos]: { id: bos, ids: [ts.bosId], tokens: [bos] } },
    };
  }

  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: normalizers.length > 0 ? { type: 'Sequence', normalizers } : null,
    pre_tokenizer: preTokenizer,
    post_processor: postProcessor,
    decoder: { type: 'Sequence', decoders },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: proto.pieces[ts.unkId].piece,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: true,
      byte_fallback: ts.byteFallback,
      ignore_merges: false,
      vocab,
      merges,
    },
  };
}

/**
 * Reads a SentencePiece `tokenizer.model` and returns the equivalent HF `tokenizer.json` object (see
 * {@link modelProtoToTokenizerJson}).
 *
 * @example
 * const json = convertSentencePiece('../shared/tokenizers/baichuan-7b/tokenizer.model');
 * Object.keys(json.model.vocab).length; // 64000
 */
export function convertSentencePiece(modelPath: string): TokenizerJson {
  return modelProtoToTokenizerJson(readModelProto(modelPath), modelPath);
}

/**
 * Converts `modelPath` and writes the `tokenizer.json` to `outPath` (what `crossedit tokenizer convert
 * <tokenizer.model> -o tokenizer.json` runs). Returns a summary for the command to print.
 */
export function writeTokenizerJson(modelPath: string, outPath: string): { vocab: number; merges: number; bytes: number } {
  const json = convertSentencePiece(modelPath);
  const text = JSON.stringify(json);
  writeFileSync(outPath, text);
  const model = json.model as { vocab: Record<string, number>; merges: unknown[] };
  return { vocab: Object.keys(model.vocab).length, merges: model.merges.length, bytes: Buffer.byteLength(text) };
}
