/** HF `config.json` → `ModelConfig`. */
import { describe, expect, it } from 'vitest';
import { modelConfigFromHf } from './hf-config.js';
import { LLAMA2_7B } from './config.js';

const LLAMA2 = {
  architectures: ['LlamaForCausalLM'],
  hidden_act: 'silu',
  hidden_size: 4096,
  intermediate_size: 11008,
  max_position_embeddings: 4096,
  model_type: 'llama',
  num_attention_heads: 32,
  num_hidden_layers: 32,
  num_key_value_heads: 32,
  pretraining_tp: 1,
  rms_norm_eps: 1e-5,
  rope_scaling: null,
  tie_word_embeddings: false,
  vocab_size: 32000,
};

describe('modelConfigFromHf', () => {
  it('reads a LLaMA-2 config', () => {
    expect(modelConfigFromHf(LLAMA2, 'c.json')).toEqual(LLAMA2_7B);
  });

  it("applies HF's defaults for omitted keys before the caller's", () => {
    const { num_key_value_heads: _, ...old } = LLAMA2;
    const c = modelConfigFromHf({ ...old, num_attention_heads: 8 }, 'c.json', { numKvHeads: 32, ropeBase: 5e5 });
    expect(c.numKvHeads).toBe(8);
    expect(c.ropeBase).toBe(10000);
    expect(modelConfigFromHf({ ...LLAMA2, num_key_value_heads: 4, rope_theta: 1e6 }, 'c.json')).toMatchObject({ numKvHeads: 4, ropeBase: 1e6 });
    expect(modelConfigFromHf({ ...LLAMA2, tie_word_embeddings: true }, 'c.json').tieEmbeddings).toBe(true);
  });

  it("reads Baichuan2's model_max_length and takes missing sizes from the defaults", () => {
    const { max_position_embeddings: _, vocab_size: __, ...rest } = LLAMA2;
    expect(modelConfigFromHf({ ...rest, model_max_length: 4096 }, 'c.json', { vocabSize: 125696 })).toMatchObject({ maxPositions: 4096, vocabSize: 125696 });
  });

  it('names the file and key of what it cannot use', () => {
    const { hidden_size: _, ...noHidden } = LLAMA2;
    expect(() => modelConfigFromHf(noHidden, 'm/config.json')).toThrow(/m\/config\.json: 'hidden_size' is missing \(needed for ModelConfig\.hiddenSize\)/);
    expect(() => modelConfigFromHf({ ...LLAMA2, hidden_size: '4096' }, 'c.json')).toThrow(/c\.json: 'hidden_size' is "4096", expected a number/);
    expect(() => modelConfigFromHf({ ...LLAMA2, hidden_act: 'gelu' }, 'c.json')).toThrow(/'hidden_act' is "gelu"; only 'silu'/);
    expect(() => modelConfigFromHf({ ...LLAMA2, rope_scaling: { type: 'dynamic', factor: 2 } }, 'c.json')).toThrow(/'rope_scaling' .* not supported/);
    expect(() => modelConfigFromHf({ ...LLAMA2, attention_bias: true }, 'c.json')).toThrow(/'attention_bias' is true; .*bias/);
    expect(() => modelConfigFromHf([1], 'c.json')).toThrow(/c\.json: expected a JSON object/);
  });
});
