/** The published architecture of Baichuan2-7B. */
import type { ModelConfig } from '@crossedit/core';

/**
 * Baichuan2-7B (baichuan-inc/Baichuan2-7B-Base): 32 layers, d 4096, FFN 11008, 32 heads, vocab 125696, RMS eps
 * 1e-6, 4096 positions, RoPE, and NormHead (the LM head's rows are L2-normalised at run time).
 */
export const BAICHUAN2_7B: ModelConfig = {
  vocabSize: 125696,
  hiddenSize: 4096,
  intermediateSize: 11008,
  numLayers: 32,
  numHeads: 32,
  numKvHeads: 32,
  rmsNormEps: 1e-6,
  ropeBase: 10000,
  maxPositions: 4096,
  tieEmbeddings: false,
  normHead: true,
};
