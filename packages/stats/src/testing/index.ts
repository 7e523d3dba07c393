/**
 * Test fixtures shared by the statistics package and the ROME/MEMIT plugins: `@crossedit/testing`'s
 * SentencePiece-like tokenizer over a fixed word list, a tiny random LLaMA on the CPU backend, and an edit
 * context. Not part of the published build.
 */
import { Rng, type Backend, type EditContext, type ModelConfig, type StatsProvider, type WeightDType } from '@crossedit/core';
import { LlamaModel, randomWeights } from '@crossedit/transformer';
import { cpuBackend, pieceTokenizer, type PieceTokenizer } from '@crossedit/testing/fixtures';
import { TEST_WORDS } from './words.js';

export { TEST_WORDS } from './words.js';
export { cpuBackend };

/** A tiny LLaMA config over a vocabulary of `vocabSize`. */
export function tinyConfig(vocabSize: number, over: Partial<ModelConfig> = {}): ModelConfig {
  return {
    vocabSize,
    hiddenSize: 32,
    intermediateSize: 48,
    numLayers: 4,
    numHeads: 4,
    numKvHeads: 2,
    rmsNormEps: 1e-5,
    ropeBase: 10000,
    maxPositions: 128,
    ...over,
  };
}

/**
 * A tiny random model, its tokenizer and an edit context on `backend` (default: CPU). `scale` multiplies
 * the linear layers' initial standard deviation (see `randomWeights`); `dtype` stores the matrices in f16.
 */
export function tinySetup(
  opts: { seed?: number; config?: Partial<ModelConfig>; backend?: Backend; stats?: StatsProvider; cacheDir?: string; scale?: number; dtype?: WeightDType } = {},
): {
  model: LlamaModel;
  tokenizer: PieceTokenizer;
  ctx: EditContext;
} {
  const backend = opts.backend ?? cpuBackend();
  const tokenizer = pieceTokenizer(TEST_WORDS);
  const config = tinyConfig(tokenizer.vocabSize, opts.config);
  const model = new LlamaModel(config, randomWeights(config, { seed: opts.seed ?? 1, backend, scale: opts.scale ?? 1, dtype: opts.dtype }));
  const ctx: EditContext = {
    model,
    tokenizer,
    backbone: { id: 'tiny-test', config },
    backend,
    rng: new Rng(opts.seed ?? 1),
    stats: opts.stats,
    log: { info: () => undefined, warn: () => undefined },
    cacheDir: opts.cacheDir,
  };
  return { model, tokenizer, ctx };
}
export { sentences, tempDir, writeCorpus } from './corpus.js';
