/** The published architecture of Chinese-LLaMA / Chinese-LLaMA-Plus-7B. */
import type { ModelConfig } from '@crossedit/core';

/**
 * Chinese-LLaMA-Plus-7B (ymcui/Chinese-LLaMA-Alpaca): LLaMA-7B with the vocabulary extended to 49953 pieces;
 * 32 layers, d 4096, FFN 11008, 32 heads, RMS eps 1e-6, 2048 positions.
 */
export const CHINESE_LLAMA_PLUS_7B: ModelConfig = {
  vocabSize: 49953,
  hiddenSize: 4096,
  intermediateSize: 11008,
  numLayers: 32,
  numHeads: 32,
  numKvHeads: 32,
  rmsNormEps: 1e-6,
  ropeBase: 10000,
  maxPositions: 2048,
  tieEmbeddings: false,
};
