/**
 * `@crossedit/testing/fixtures`: the tiny model, tokenizer, context and host scores without the vitest
 * suite, for scripts and benchmarks that run outside vitest.
 *
 * @packageDocumentation
 */
export { cpuBackend, tinyLlama, tinyContext, teacherForcedAccuracy, host, maybeWebGpu, copyModel, weightsHash, type TinyLlamaOptions, type TestLog } from './tiny.js';
export { WordTokenizer, wordTokenizer, vocabOf, type WordSplit } from './word-tokenizer.js';
export { PieceTokenizer, pieceTokenizer, PIECE_PUNCTUATION, type PieceTokenizerOptions } from './piece-tokenizer.js';
export { targetLogProb } from './score.js';
export { identityStats } from './stats.js';
export { relMaxErr } from './compare.js';
