/**
 * Chinese-LLaMA-Plus-7B backbone: its published config, tiny random checkpoints in its layout (HF LLaMA names
 * with `rotary_emb.inv_freq` buffers, the `config.json` of a transformers-4.28 save) in every format, and the
 * real 49953-piece tokenizer from `../shared/tokenizers/chinese-llama-plus-7b/`.
 */
import { existsSync } from 'node:fs';
import * as nodePath from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ModelConfig } from '@crossedit/core';
import { sharedTokenizerPath } from '@crossedit/backbone-llama';
import { describeCheckpointSuite, llamaFileTensors } from '@crossedit/backbone-llama/testing';
import chineseLlama, { CHINESE_LLAMA_PLUS_7B } from './index.js';

const TINY: ModelConfig = {
  vocabSize: 40,
  hiddenSize: 16,
  intermediateSize: 24,
  numLayers: 2,
  numHeads: 4,
  numKvHeads: 4,
  rmsNormEps: 1e-6,
  ropeBase: 10000,
  maxPositions: 32,
  tieEmbeddings: false,
};

/** The shape of Chinese-LLaMA-Plus-7B's config.json (no num_key_value_heads, no rope_theta). */
const HF_CONFIG = {
  architectures: ['LlamaForCausalLM'],
  bos_token_id: 1,
  eos_token_id: 2,
  hidden_act: 'silu',
  hidden_size: TINY.hiddenSize,
  initializer_range: 0.02,
  intermediate_size: TINY.intermediateSize,
  max_position_embeddings: TINY.maxPositions,
  model_type: 'llama',
  num_attention_heads: TINY.numHeads,
  num_hidden_layers: TINY.numLayers,
  pad_token_id: 0,
  rms_norm_eps: 1e-6,
  tie_word_embeddings: false,
  torch_dtype: 'float16',
  transformers_version: '4.28.1',
  use_cache: true,
  vocab_size: TINY.vocabSize,
};

describe('backbone-chinese-llama', () => {
  it('declares the published Chinese-LLaMA-Plus-7B architecture', () => {
    const folder = nodePath.basename(fileURLToPath(new URL('..', import.meta.url)));
    expect(`backbone-${chineseLlama.id}`).toBe(folder);
    expect(chineseLlama.config).toEqual(CHINESE_LLAMA_PLUS_7B);
    expect(chineseLlama.config).toMatchObject({ vocabSize: 49953, rmsNormEps: 1e-6, maxPositions: 2048, numLayers: 32, hiddenSize: 4096, intermediateSize: 11008, numHeads: 32 });
    expect(chineseLlama.layout.ignore.some((re) => re.test('model.layers.7.self_attn.rotary_emb.inv_freq'))).toBe(true);
  });

  it.skipIf(!existsSync(sharedTokenizerPath('chinese-llama-plus-7b')))('loads the real tokenizer from ../shared (vocab = config vocab)', async () => {
    const tok = await chineseLlama.createTokenizer({});
    expect(tok.vocabSize).toBe(CHINESE_LLAMA_PLUS_7B.vocabSize);
    const text = '中华人民共和国的首都是北京。';
    const ids = tok.encode(text).ids;
    expect(ids[0]).toBe(tok.special.bos);
    expect(ids.length - 1).toBeLessThan([...text].length); // the extended vocabulary has multi-character Chinese pieces
    expect(tok.decode(ids)).toBe(text);
  });
});

describeCheckpointSuite({ backbone: chineseLlama, config: TINY, hfConfig: HF_CONFIG, fileTensors: (h, c) => llamaFileTensors(h, c) });
