/** Architecture checks and the expected weight layout of a LLaMA-family model. */
import { ShapeError, type ModelConfig, type Shape } from '@crossedit/core';

/** Size of one attention head (`hiddenSize / numHeads`). */
export function headDim(config: ModelConfig): number {
  return config.hiddenSize / config.numHeads;
}

/**
 * Checks that a config describes a buildable network (positive integer sizes, heads that divide the
 * hidden size into an even head size, query heads a multiple of key/value heads); throws a
 * `ShapeError` naming the field otherwise.
 */
export function validateConfig(config: ModelConfig): void {
  const ints: (keyof ModelConfig)[] = ['vocabSize', 'hiddenSize', 'intermediateSize', 'numLayers', 'numHeads', 'numKvHeads', 'maxPositions'];
  for (const k of ints) {
    const v = config[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
      throw new ShapeError(`ModelConfig.${k} must be a positive integer, got ${String(v)}`);
    }
  }
  if (!(config.rmsNormEps > 0)) throw new ShapeError(`ModelConfig.rmsNormEps must be > 0, got ${config.rmsNormEps}`);
  if (!(config.ropeBase > 0)) throw new ShapeError(`ModelConfig.ropeBase must be > 0, got ${config.ropeBase}`);
  if (config.hiddenSize % config.numHeads !== 0) {
    throw new ShapeError(`ModelConfig: hiddenSize ${config.hiddenSize} is not divisible by numHeads ${config.numHeads}`);
  }
  if (headDim(config) % 2 !== 0) throw new ShapeError(`ModelConfig: head size ${headDim(config)} must be even for RoPE`);
  if (config.numHeads % config.numKvHeads !== 0) {
    throw new ShapeError(`ModelConfig: numHeads ${config.numHeads} is not a multiple of numKvHeads ${config.numKvHeads}`);
  }
}

/**
 * Every weight the network expects, by canonical HF LLaMA name, with its PyTorch `[out, in]` shape.
 * With `tieEmbeddings`, `lm_head.weight` is absent (the embedding matrix serves as the head).
 *
 * @example
 * ```ts
 * expectedWeightShapes(cfg).get('model.layers.0.mlp.down_proj.weight'); // [hiddenSize, intermediateSize]
 * ```
 */
export function expectedWeightShapes(config: ModelConfig): Map<string, Shape> {
  const d = config.hiddenSize;
  const m = config.intermediateSize;
  const kv = config.numKvHeads * headDim(config);
  const out = new Map<string, Shape>();
  out.set('model.embed_tokens.weight', [config.vocabSize, d]);
  for (let i = 0; i < config.numLayers; i++) {
    const p = `model.layers.${i}`;
    out.set(`${p}.self_attn.q_proj.weight`, [d, d]);
    out.set(`${p}.self_attn.k_proj.weight`, [kv, d]);
    out.set(`${p}.self_attn.v_proj.weight`, [kv, d]);
    out.set(`${p}.self_attn.o_proj.weight`, [d, d]);
    out.set(`${p}.mlp.gate_proj.weight`, [m, d]);
    out.set(`${p}.mlp.up_proj.weight`, [m, d]);
    out.set(`${p}.mlp.down_proj.weight`, [d, m]);
    out.set(`${p}.input_layernorm.weight`, [d]);
    out.set(`${p}.post_attention_layernorm.weight`, [d]);
  }
  out.set('model.norm.weight', [d]);
  if (!config.tieEmbeddings) out.set('lm_head.weight', [config.vocabSize, d]);
  return out;
}
