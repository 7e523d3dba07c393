/** Reading an HF `config.json` of a LLaMA-family model into a core `ModelConfig`. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import * as nodePath from 'node:path';
import { FormatError, type ModelConfig } from '@crossedit/core';

/** The HF config keys read, and the `ModelConfig` field each fills. */
const FIELDS: readonly [keyof ModelConfig, readonly string[]][] = [
  ['vocabSize', ['vocab_size']],
  ['hiddenSize', ['hidden_size']],
  ['intermediateSize', ['intermediate_size']],
  ['numLayers', ['num_hidden_layers']],
  ['numHeads', ['num_attention_heads']],
  ['numKvHeads', ['num_key_value_heads']],
  ['rmsNormEps', ['rms_norm_eps']],
  ['ropeBase', ['rope_theta']],
  ['maxPositions', ['max_position_embeddings', 'model_max_length']],
];

/** The HF config key a `ModelConfig` field was read from in `json` (the first of its keys present), if any. */
export function hfConfigKey(json: Record<string, unknown>, field: keyof ModelConfig): string | undefined {
  const keys = FIELDS.find(([f]) => f === field)?.[1];
  return keys?.find((k) => json[k] !== undefined && json[k] !== null);
}

/**
 * The `ModelConfig` described by an HF LLaMA-family `config.json` object (LLaMA, LLaMA-2, Chinese-LLaMA,
 * Baichuan's `model_max_length`). Keys with an HF default take it when absent (`num_key_value_heads` = heads,
 * `rope_theta` = 10000, untied embeddings); other absent keys come from `defaults`; a key absent everywhere, and
 * features the network does not implement (rope scaling, bias terms, activations other than SiLU), are a
 * `FormatError` naming the file and key.
 *
 * @param file the config's path, for error messages
 * @example
 * ```ts
 * modelConfigFromHf(JSON.parse(readFileSync('llama-2-7b/config.json', 'utf8')), 'llama-2-7b/config.json');
 * // { vocabSize: 32000, hiddenSize: 4096, ..., rmsNormEps: 1e-5, maxPositions: 4096, tieEmbeddings: false }
 * ```
 */
export function modelConfigFromHf(json: unknown, file: string, defaults: Partial<ModelConfig> = {}): ModelConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new FormatError(file, 'expected a JSON object (an HF config)');
  const hf = json as Record<string, unknown>;
  const out: Partial<ModelConfig> = { ...defaults };
  for (const [field, keys] of FIELDS) {
    const key = keys.find((k) => hf[k] !== undefined && hf[k] !== null);
    if (key === undefined) continue;
    const v = hf[key];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new FormatError(file, `'${key}' is ${JSON.stringify(v)}, expected a number`);
    (out as Record<string, unknown>)[field] = v;
  }
  // HF's own defaults for keys a LLaMA config may omit (they win over `defaults`, as transformers applies them)
  if (hf.num_key_value_heads == null) out.numKvHeads = out.numHeads;
  if (hf.rope_theta == null) out.ropeBase = 10000;
  out.tieEmbeddings = hf.tie_word_embeddings == null ? false : Boolean(hf.tie_word_embeddings);
  for (const [field, keys] of FIELDS) {
    if (out[field] === undefined) throw new FormatError(file, `'${keys[0]}' is missing (needed for ModelConfig.${field})`);
  }
  const act = hf.hidden_act;
  if (act !== undefined && act !== 'silu' && act !== 'swish') throw new FormatError(file, `'hidden_act' is ${JSON.stringify(act)}; only 'silu' is supported`);
  if (hf.rope_scaling !== undefined && hf.rope_scaling !== null) {
    throw new FormatError(file, `'rope_scaling' is ${JSON.stringify(hf.rope_scaling)}; RoPE scaling variants are not supported`);
  }
  for (const k of ['attention_bias', 'mlp_bias']) {
    if (hf[k]) throw new FormatError(file, `'${k}' is true; linear layers with bias terms are not supported`);
  }
  const hd = hf.head_dim;
  if (typeof hd === 'number' && hd * out.numHeads! !== out.hiddenSize) {
    throw new FormatError(file, `'head_dim' ${hd} × num_attention_heads ${out.numHeads} ≠ hidden_size ${out.hiddenSize}; not supported`);
  }
  return out as ModelConfig;
}

/** The largest config.json read (real ones are about 1 KB). */
const MAX_CONFIG_BYTES = 4 << 20;

/**
 * Reads `<dir>/config.json` (`null` when the directory has none).
 *
 * @throws FormatError naming the file when it is not valid JSON
 */
export function readHfConfig(dir: string): { file: string; json: Record<string, unknown> } | null {
  const file = nodePath.join(dir, 'config.json');
  if (!existsSync(file)) return null;
  const size = statSync(file).size;
  if (size > MAX_CONFIG_BYTES) throw new FormatError(file, `the model config is ${size} bytes, more than the ${MAX_CONFIG_BYTES} a config.json may have`);
  try {
    return { file, json: JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown> };
  } catch (e) {
    throw new FormatError(file, `cannot read the model config as JSON (${(e as Error).message})`);
  }
}
