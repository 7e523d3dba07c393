/**
 * `@crossedit/tokenizers`: tokenizers for crossedit's backbones. An exact TypeScript implementation of
 * SentencePiece BPE over `tokenizer.model` files (decoded with `@bufbuild/protobuf` from the project's
 * own `proto/sentencepiece_model.proto`), an HF `tokenizers` wrapper for `tokenizer.json` files, and the
 * conversion of one into the other.
 */
export { BaseTokenizer } from './base-tokenizer.js';
export { locateSpan } from './locate.js';
export { loadTokenizer, type LoadTokenizerOptions } from './load.js';
export { SentencePieceTokenizer, type SentencePieceTokenizerOptions } from './sentencepiece/sentencepiece-tokenizer.js';
export { parseModelProto, readModelProto, modelTypeName, PieceType, ModelType, type ModelProto } from './sentencepiece/model-file.js';
export { PrecompiledCharsmap } from './sentencepiece/charsmap.js';
export { normalize, SPACE_SYMBOL, type NormalizedText, type NormalizerOptions } from './sentencepiece/normalizer.js';
export { HfTokenizer, type HfTokenizerOptions } from './hf/hf-tokenizer.js';
export { convertSentencePiece, modelProtoToTokenizerJson, writeTokenizerJson } from './hf/convert.js';
export { deriveMerges, type ScoredPiece } from './hf/merges.js';
export { inferSpecialIds, sidecarSpecialTokens, tokenizerJsonVocab } from './hf/special-ids.js';
export type { TokenizerJson, AddedTokenJson, BpeModelJson, ComponentJson } from './hf/tokenizer-json.js';
export { buildCorpus, sharedDir, fixturesDir } from './corpus.js';
