/** A tiny LLaMA config, its HF `config.json`, and temporary model directories, for checkpoint tests. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as nodePath from 'node:path';
import type { ModelConfig } from '@crossedit/core';

/** A tiny LLaMA: vocab 40, d 16, FFN 24, 2 layers, 4 heads over 2 key/value heads. */
export const TINY_LLAMA: ModelConfig = {
  vocabSize: 40,
  hiddenSize: 16,
  intermediateSize: 24,
  numLayers: 2,
  numHeads: 4,
  numKvHeads: 2,
  rmsNormEps: 1e-6,
  ropeBase: 10000,
  maxPositions: 64,
  tieEmbeddings: false,
};

/**
 * An HF `config.json` object for a config, as `LlamaConfig.to_dict()` writes it, with `extra` keys merged in
 * (Baichuan's `model_type`, `architectures`, `model_max_length`, ...).
 */
export function tinyHfConfig(c: ModelConfig, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    hidden_act: 'silu',
    vocab_size: c.vocabSize,
    hidden_size: c.hiddenSize,
    intermediate_size: c.intermediateSize,
    num_hidden_layers: c.numLayers,
    num_attention_heads: c.numHeads,
    num_key_value_heads: c.numKvHeads,
    rms_norm_eps: c.rmsNormEps,
    rope_theta: c.ropeBase,
    max_position_embeddings: c.maxPositions,
    tie_word_embeddings: c.tieEmbeddings ?? false,
    rope_scaling: null,
    bos_token_id: 1,
    eos_token_id: 2,
    torch_dtype: 'float16',
    ...extra,
  };
}

/** A fresh temporary directory. */
export function tempModelDir(prefix = 'crossedit-backbone-'): string {
  return mkdtempSync(nodePath.join(tmpdir(), prefix));
}
