/**
 * Baichuan-7B backbone: tiny random checkpoints in Baichuan's exact layout (each layer's q, k, v fused by hand
 * into `self_attn.W_pack.weight` `[3d, d]`, `rotary_emb.inv_freq` buffers, Baichuan's `config.json`) in every
 * format must give the logits of an unfused LLaMA model built from the same q, k, v; the split must be q, k, v
 * in that order; the real 64000-piece tokenizer loads from `../shared/tokenizers/baichuan-7b/`.
 */
import { existsSync, rmSync } from 'node:fs';
import * as nodePath from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { setBackend, type ModelConfig } from '@crossedit/core';
import { createCpuBackend } from '@crossedit/cpu';
import llama, { sharedTokenizerPath } from '@crossedit/backbone-llama';
import {
  describeCheckpointSuite,
  fusedQkvFileTensors,
  llamaFileTensors,
  randomHostWeights,
  tempModelDir,
  writeHfCheckpoint,
  type CheckpointTensor,
  type HostWeights,
} from '@crossedit/backbone-llama/testing';
import baichuan, { BAICHUAN_7B } from './index.js';

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

/** The shape of Baichuan-7B's config.json (custom `baichuan` model type, no num_key_value_heads / rope_theta). */
const HF_CONFIG = {
  architectures: ['BaiChuanForCausalLM'],
  auto_map: { AutoConfig: 'configuration_baichuan.BaiChuanConfig', AutoModelForCausalLM: 'modeling_baichuan.BaiChuanForCausalLM' },
  bos_token_id: 1,
  eos_token_id: 2,
  hidden_act: 'silu',
  hidden_size: TINY.hiddenSize,
  initializer_range: 0.02,
  intermediate_size: TINY.intermediateSize,
  max_position_embeddings: TINY.maxPositions,
  model_type: 'baichuan',
  num_attention_heads: TINY.numHeads,
  num_hidden_layers: TINY.numLayers,
  pad_token_id: 0,
  rms_norm_eps: 1e-6,
  tie_word_embeddings: false,
  torch_dtype: 'float32',
  transformers_version: '4.29.1',
  use_cache: true,
  vocab_size: TINY.vocabSize,
};

/** Baichuan's checkpoint tensors: q, k, v of each layer concatenated row-wise into W_pack, by hand. */
const baichuanFileTensors = (h: HostWeights, c: ModelConfig): CheckpointTensor[] => fusedQkvFileTensors(h, c);

describe('backbone-baichuan', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const write = async (tensors: CheckpointTensor[], config: Record<string, unknown> = HF_CONFIG) => {
    const dir = tempModelDir('crossedit-baichuan-');
    dirs.push(dir);
    await writeHfCheckpoint(dir, tensors, { format: 'bin', shards: 2, config });
    return dir;
  };

  it('declares the published Baichuan-7B architecture and the W_pack layout', () => {
    const folder = nodePath.basename(fileURLToPath(new URL('..', import.meta.url)));
    expect(`backbone-${baichuan.id}`).toBe(folder);
    expect(baichuan.config).toEqual(BAICHUAN_7B);
    expect(baichuan.config).toMatchObject({ vocabSize: 64000, rmsNormEps: 1e-6, maxPositions: 4096, hiddenSize: 4096, numLayers: 32 });
    const w = baichuan.layout.tensors(BAICHUAN_7B).find((t) => t.name === 'model.layers.31.self_attn.W_pack.weight');
    expect(w?.shape).toEqual([3 * 4096, 4096]);
  });

  it('splits W_pack into q, k, v in that order', async () => {
    const cpu = createCpuBackend();
    setBackend(cpu);
    const h = randomHostWeights(TINY, 3);
    const model = await baichuan.loadModel({ modelDir: await write(baichuanFileTensors(h, TINY)) }, { backend: cpu });
    for (const [kind, name] of [['attn.q', 'q_proj'], ['attn.k', 'k_proj'], ['attn.v', 'v_proj']] as const) {
      expect(Array.from(await model.weight({ kind, layer: 1 }).data()), kind).toEqual(Array.from(h.get(`model.layers.1.self_attn.${name}.weight`)!));
    }
    model.dispose();
  });

  it('refuses a LLaMA-layout checkpoint, a wrongly shaped W_pack and Baichuan-13B, naming file and tensor', async () => {
    const cpu = createCpuBackend();
    const h = randomHostWeights(TINY, 3);
    const plain = await write(llamaFileTensors(h, TINY));
    await expect(baichuan.loadModel({ modelDir: plain }, { backend: cpu })).rejects.toThrow(
      /pytorch_model\.bin\.index\.json: missing tensor 'model\.layers\.0\.self_attn\.W_pack\.weight' \(expected \[48,16\] in the 'baichuan' layout\)/,
    );
    const fused = await write(baichuanFileTensors(h, TINY));
    await expect(llama.loadModel({ modelDir: fused }, { backend: cpu })).rejects.toThrow(/missing tensor 'model\.layers\.0\.self_attn\.q_proj\.weight'/);
    const bad = baichuanFileTensors(h, TINY).map((t) => (t.name.endsWith('1.self_attn.W_pack.weight') ? { ...t, shape: [16, 48], data: t.data } : t));
    await expect(baichuan.loadModel({ modelDir: await write(bad) }, { backend: cpu })).rejects.toThrow(
      /pytorch_model-0000[12]-of-00002\.bin: tensor 'model\.layers\.1\.self_attn\.W_pack\.weight' has shape \[16,48\], expected \[48,16\]/,
    );
    const big = await write(baichuanFileTensors(h, TINY), { ...HF_CONFIG, hidden_size: 5120, num_hidden_layers: 40, num_attention_heads: 40 });
    await expect(baichuan.loadModel({ modelDir: big }, { backend: cpu })).rejects.toThrow(/config\.json: this looks like Baichuan-13B .* ALiBi/);
  });

  it.skipIf(!existsSync(sharedTokenizerPath('baichuan-7b')))('loads the real tokenizer from ../shared (vocab = config vocab)', async () => {
    const tok = await baichuan.createTokenizer({});
    expect(tok.vocabSize).toBe(BAICHUAN_7B.vocabSize);
    const text = '中华人民共和国成立于1949年。';
    const ids = tok.encode(text).ids;
    expect(ids.slice(0, 3)).toEqual([1, 31106, 11643]); // BOS ▁ 中华人民共和国 (SentencePiece reference, see @crossedit/tokenizers)
    expect(tok.decode(ids)).toBe(text);
  });
});

describeCheckpointSuite({ backbone: baichuan, config: TINY, hfConfig: HF_CONFIG, fileTensors: baichuanFileTensors });
