/** The HF `config.json` of the shipped model (a `LlamaForCausalLM` config transformers can read). */
import type { ModelConfig } from '@crossedit/core';

/**
 * An HF LLaMA `config.json` object for a config and the tokenizer's special ids.
 *
 * @example
 * ```ts
 * writeFileSync('config.json', JSON.stringify(hfLlamaConfig(TINY_MODEL, { bos: 1, eos: 2, pad: 3 }), null, 2));
 * ```
 */
export function hfLlamaConfig(cfg: ModelConfig, special: { bos: number; eos: number; pad: number }, dtype = 'float16'): Record<string, unknown> {
  return {
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    vocab_size: cfg.vocabSize,
    hidden_size: cfg.hiddenSize,
    intermediate_size: cfg.intermediateSize,
    num_hidden_layers: cfg.numLayers,
    num_attention_heads: cfg.numHeads,
    num_key_value_heads: cfg.numKvHeads,
    hidden_act: 'silu',
    rms_norm_eps: cfg.rmsNormEps,
    rope_theta: cfg.ropeBase,
    max_position_embeddings: cfg.maxPositions,
    tie_word_embeddings: cfg.tieEmbeddings ?? false,
    attention_bias: false,
    mlp_bias: false,
    bos_token_id: special.bos,
    eos_token_id: special.eos,
    pad_token_id: special.pad,
    torch_dtype: dtype,
  };
}
