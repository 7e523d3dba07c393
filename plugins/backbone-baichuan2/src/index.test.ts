/**
 * Baichuan2-7B backbone: tiny random checkpoints in its exact layout (fused `W_pack`, `rotary_emb.inv_freq`
 * buffers, Baichuan2's `config.json` with `model_max_length`) in every format must give the logits of an
 * unfused LLaMA model whose `lm_head` rows were L2-normalised beforehand (float64, on the host) — NormHead; the
 * tokenizer is not in `../shared`, so it needs a user path or the model directory and says so otherwise.
 */
import { existsSync, rmSync, symlinkSync } from 'node:fs';
import * as nodePath from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { setBackend, type Backend, type ModelConfig } from '@crossedit/core';
import { createCpuBackend } from '@crossedit/cpu';
import { sharedTokenizerPath } from '@crossedit/backbone-llama';
import {
  describeCheckpointSuite,
  fusedQkvFileTensors,
  logitsOf,
  modelFromHost,
  randomHostWeights,
  tempModelDir,
  worstRatio,
  type HostWeights,
} from '@crossedit/backbone-llama/testing';
import type { LlamaModel } from '@crossedit/transformer';
import baichuan2, { BAICHUAN2_7B } from './index.js';

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
  normHead: true,
};

/** The shape of Baichuan2-7B-Base's config.json. */
const HF_CONFIG = {
  architectures: ['BaichuanForCausalLM'],
  auto_map: { AutoConfig: 'configuration_baichuan.BaichuanConfig', AutoModelForCausalLM: 'modeling_baichuan.BaichuanForCausalLM' },
  bos_token_id: 1,
  eos_token_id: 2,
  hidden_act: 'silu',
  hidden_size: TINY.hiddenSize,
  initializer_range: 0.02,
  intermediate_size: TINY.intermediateSize,
  model_max_length: TINY.maxPositions,
  model_type: 'baichuan',
  num_attention_heads: TINY.numHeads,
  num_hidden_layers: TINY.numLayers,
  pad_token_id: 0,
  rms_norm_eps: 1e-6,
  tie_word_embeddings: false,
  torch_dtype: 'bfloat16',
  transformers_version: '4.29.2',
  use_cache: true,
  vocab_size: TINY.vocabSize,
  z_loss_weight: 0,
};

/** An unfused LLaMA without NormHead whose lm_head rows were normalised in float64 beforehand. */
function preNormalised(h: HostWeights, c: ModelConfig, backend: Backend): LlamaModel {
  const head = h.get('lm_head.weight')!;
  const d = c.hiddenSize;
  const normed = new Float64Array(head.length);
  for (let r = 0; r < c.vocabSize; r++) {
    let ss = 0;
    for (let j = 0; j < d; j++) ss += head[r * d + j] ** 2;
    const n = Math.sqrt(ss);
    for (let j = 0; j < d; j++) normed[r * d + j] = head[r * d + j] / n;
  }
  const w = new Map<string, Float32Array | Float64Array>(h);
  w.set('lm_head.weight', normed);
  return modelFromHost({ ...c, normHead: false }, w, backend);
}

describe('backbone-baichuan2', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('declares the published Baichuan2-7B architecture with NormHead', () => {
    const folder = nodePath.basename(fileURLToPath(new URL('..', import.meta.url)));
    expect(`backbone-${baichuan2.id}`).toBe(folder);
    expect(baichuan2.config).toEqual(BAICHUAN2_7B);
    expect(baichuan2.config).toMatchObject({ vocabSize: 125696, rmsNormEps: 1e-6, maxPositions: 4096, normHead: true });
    expect(baichuan2.layout.quirks).toMatchObject({ normHead: true });
    expect(baichuan2.layout.tensors(TINY).some((t) => t.name === 'model.layers.0.self_attn.W_pack.weight')).toBe(true);
  });

  it('NormHead matters: the pre-normalised reference differs from the raw head', async () => {
    const cpu = createCpuBackend();
    setBackend(cpu);
    const h = randomHostWeights(TINY, 11);
    const ids = [[1, 5, 9, 30]];
    const a = preNormalised(h, TINY, cpu);
    const b = modelFromHost({ ...TINY, normHead: false }, h, cpu);
    const c = modelFromHost(TINY, h, cpu); // run-time NormHead in the network itself
    const [la, lb, lc] = [await logitsOf(a, ids), await logitsOf(b, ids), await logitsOf(c, ids)];
    expect(worstRatio(lb, la, 1e-3, 1e-3)).toBeGreaterThan(10);
    expect(worstRatio(lc, la, 1e-12, 1e-12)).toBeLessThanOrEqual(1);
    [a, b, c].forEach((m) => m.dispose());
  });

  it('needs a tokenizer path or a model directory holding one, and says so', async () => {
    const empty = tempModelDir();
    dirs.push(empty);
    await expect(baichuan2.createTokenizer({ modelDir: empty })).rejects.toThrow(
      /no tokenizer for backbone 'baichuan2': .*pass a tokenizer path .*Baichuan2's tokenizer\.model is not in \.\.\/shared\/tokenizers/,
    );
    await expect(baichuan2.createTokenizer({})).rejects.toThrow(/no tokenizer for backbone 'baichuan2'/);
    // a stand-in SentencePiece model (Baichuan-7B's) shows the user-path and model-directory routes
    const stand = sharedTokenizerPath('baichuan-7b');
    // CI has ../shared: a missing tokenizer is a failure, not a silent pass
    expect(existsSync(stand), `${stand} (../shared/tokenizers)`).toBe(true);
    expect((await baichuan2.createTokenizer({ tokenizerPath: stand })).vocabSize).toBe(64000);
    const dir = tempModelDir();
    dirs.push(dir);
    symlinkSync(stand, nodePath.join(dir, 'tokenizer.model'));
    expect((await baichuan2.createTokenizer({ modelDir: dir })).vocabSize).toBe(64000);
  });
});

describeCheckpointSuite({ backbone: baichuan2, config: TINY, hfConfig: HF_CONFIG, fileTensors: (h, c) => fusedQkvFileTensors(h, c), reference: preNormalised });
