/** The published architecture of the generic LLaMA backbone. */
import type { ModelConfig } from '@crossedit/core';

/** LLaMA-2-7B: 32 layers, d 4096, FFN 11008, 32 heads, vocab 32000, RMS eps 1e-5, 4096 positions. */
export const LLAMA2_7B: ModelConfig = {
  vocabSize: 32000,
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
