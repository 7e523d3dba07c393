/** The published architecture of Baichuan-7B, and the variants this backbone refuses. */
import { FormatError, type ModelConfig } from '@crossedit/core';

/**
 * Baichuan-7B (baichuan-inc/Baichuan-7B): 32 layers, d 4096, FFN 11008, 32 heads, vocab 64000, RMS eps 1e-6,
 * 4096 positions, RoPE.
 */
export const BAICHUAN_7B: ModelConfig = {
  vocabSize: 64000,
  hiddenSize: 4096,
  intermediateSize: 11008,
  numLayers: 32,
  numHeads: 32,
  numKvHeads: 32,
  rmsNormEps: 1e-6,
  ropeBase: 10000,
  maxPositions: 4096,
  tieEmbeddings: false,
};

/**
 * Refuses the 13B Baichuan models (d 5120, 40 layers), which use ALiBi attention biases instead of RoPE and
 * would load without error but compute nonsense.
 */
export function checkBaichuanConfig(config: ModelConfig, file: string): void {
  if (config.hiddenSize === 5120 && config.numLayers === 40) {
    throw new FormatError(file, 'this looks like Baichuan-13B / Baichuan2-13B (hidden 5120, 40 layers), which use ALiBi positions; only the RoPE 7B models are supported');
  }
}
