/** The published architecture of Chinese-LLaMA-2-7B. */
import type { ModelConfig } from '@crossedit/core';

/**
 * Chinese-LLaMA-2-7B (ymcui/Chinese-LLaMA-Alpaca-2): LLaMA-2-7B with a 55296-piece vocabulary; 32 layers,
 * d 4096, FFN 11008, 32 heads, RMS eps 1e-5, 4096 positions.
 */
export const CHINESE_LLAMA2_7B: ModelConfig = {
  vocabSize: 55296,
  hiddenSize: 4096,
  intermediateSize: 11008,
  numLayers: 32,
  numHeads: 32,
  numKvHeads: 32,
  rmsNormEps: 1e-5,
  ropeBase: 10000,
  maxPositions: 4096,
  tieEmbeddings: false,
};
