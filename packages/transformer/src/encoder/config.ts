/** The architecture of a BERT-family encoder, read from an HF `config.json`. */
import { FormatError } from '@crossedit/core';

/** The activation of the feed-forward block. */
export type BertActivation = 'gelu' | 'gelu_tanh' | 'relu';

/** Architecture facts of a BERT encoder (HF `BertConfig` fields in camelCase). */
export interface BertConfig {
  vocabSize: number;
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  intermediateSize: number;
  maxPositions: number;
  typeVocabSize: number;
  layerNormEps: number;
  /** `gelu` is the exact erf form (HF `gelu`); `gelu_tanh` is HF `gelu_new` / `gelu_pytorch_tanh`. */
  activation: BertActivation;
  /** Id of the padding token (`pad_token_id`, default 0). */
  padId: number;
}

const ACTIVATIONS: Readonly<Record<string, BertActivation>> = {
  gelu: 'gelu',
  gelu_new: 'gelu_tanh',
  gelu_pytorch_tanh: 'gelu_tanh',
  gelu_fast: 'gelu_tanh',
  relu: 'relu',
};

function int(o: Record<string, unknown>, key: string, file: string, fallback?: number): number {
  const v = o[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
    throw new FormatError(file, `field "${key}": expected a positive integer, got ${JSON.stringify(o[key])}`);
  }
  return v;
}

/**
 * Parses an HF BERT `config.json` object. Only absolute position embeddings are supported.
 * @throws FormatError naming the file and field.
 * @example
 * ```ts
 * const cfg = parseBertConfig(JSON.parse(readFileSync('minilm/config.json', 'utf8')), 'minilm/config.json');
 * ```
 */
export function parseBertConfig(json: unknown, file: string): BertConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new FormatError(file, 'expected a JSON object');
  const o = json as Record<string, unknown>;
  const pe = o.position_embedding_type ?? 'absolute';
  if (pe !== 'absolute') throw new FormatError(file, `field "position_embedding_type": only "absolute" is supported, got ${JSON.stringify(pe)}`);
  const act = String(o.hidden_act ?? 'gelu');
  const activation = ACTIVATIONS[act];
  if (!activation) throw new FormatError(file, `field "hidden_act": expected one of ${Object.keys(ACTIVATIONS).join(', ')}, got ${JSON.stringify(o.hidden_act)}`);
  const cfg: BertConfig = {
    vocabSize: int(o, 'vocab_size', file),
    hiddenSize: int(o, 'hidden_size', file),
    numLayers: int(o, 'num_hidden_layers', file),
    numHeads: int(o, 'num_attention_heads', file),
    intermediateSize: int(o, 'intermediate_size', file),
    maxPositions: int(o, 'max_position_embeddings', file, 512),
    typeVocabSize: int(o, 'type_vocab_size', file, 2),
    layerNormEps: typeof o.layer_norm_eps === 'number' ? o.layer_norm_eps : 1e-12,
    activation,
    padId: typeof o.pad_token_id === 'number' ? o.pad_token_id : 0,
  };
  if (cfg.hiddenSize % cfg.numHeads !== 0) {
    throw new FormatError(file, `field "hidden_size": ${cfg.hiddenSize} is not divisible by num_attention_heads ${cfg.numHeads}`);
  }
  return cfg;
}

/** Every weight a {@link BertConfig} needs, by HF `BertModel` name (no `bert.` prefix), with its shape. */
export function bertWeightShapes(cfg: BertConfig): Map<string, number[]> {
  const d = cfg.hiddenSize;
  const m = cfg.intermediateSize;
  const out = new Map<string, number[]>([
    ['embeddings.word_embeddings.weight', [cfg.vocabSize, d]],
    ['embeddings.position_embeddings.weight', [cfg.maxPositions, d]],
    ['embeddings.token_type_embeddings.weight', [cfg.typeVocabSize, d]],
    ['embeddings.LayerNorm.weight', [d]],
    ['embeddings.LayerNorm.bias', [d]],
  ]);
  for (let i = 0; i < cfg.numLayers; i++) {
    const p = `encoder.layer.${i}`;
    for (const n of ['query', 'key', 'value']) {
      out.set(`${p}.attention.self.${n}.weight`, [d, d]);
      out.set(`${p}.attention.self.${n}.bias`, [d]);
    }
    out.set(`${p}.attention.output.dense.weight`, [d, d]);
    out.set(`${p}.attention.output.dense.bias`, [d]);
    out.set(`${p}.attention.output.LayerNorm.weight`, [d]);
    out.set(`${p}.attention.output.LayerNorm.bias`, [d]);
    out.set(`${p}.intermediate.dense.weight`, [m, d]);
    out.set(`${p}.intermediate.dense.bias`, [m]);
    out.set(`${p}.output.dense.weight`, [d, m]);
    out.set(`${p}.output.dense.bias`, [d]);
    out.set(`${p}.output.LayerNorm.weight`, [d]);
    out.set(`${p}.output.LayerNorm.bias`, [d]);
  }
  return out;
}
