/**
 * The real trained model `../shared/models/stories260k/stories260K.gguf` (GQA 8/4 heads, 5 layers) run by
 * `LlamaModel` on the CPU backend: its greedy continuation of "Once upon a time" must be fluent English,
 * which a wrong attention, RoPE or GQA mapping would not produce. Skipped when the file is absent.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tensor, type ModelConfig, type Tensor } from '@crossedit/core';
import { openCheckpoint } from '../checkpoint/index.js';
import { generate } from './generate.js';
import { LlamaModel } from './llama.js';
import { cpuBackend } from './testing/setup.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const shared = process.env.CROSSEDIT_SHARED ?? path.resolve(repoRoot, '../shared');
const file = path.join(shared, 'models/stories260k/stories260K.gguf');

/**
 * llama.cpp's converter permutes q/k rows per head from HF's rotate_half layout to interleaved pairs
 * (`reshape(H, 2, Dh/2, D).swapaxes(1, 2)`); this undoes it. (A GGUF backbone loader must do the same.)
 */
function unpermute(a: Float32Array, heads: number, d: number): Float32Array {
  const dh = a.length / d / heads;
  const half = dh / 2;
  const o = new Float32Array(a.length);
  for (let h = 0; h < heads; h++)
    for (let i = 0; i < half; i++)
      for (let j = 0; j < 2; j++) o.set(a.subarray((h * dh + 2 * i + j) * d, (h * dh + 2 * i + j + 1) * d), (h * dh + j * half + i) * d);
  return o;
}

describe.skipIf(!existsSync(file))('stories260K (real GGUF model)', () => {
  it('continues "Once upon a time" fluently with greedy decoding', async () => {
    const be = cpuBackend();
    const ck = await openCheckpoint(file);
    const md = ck.metadata as Record<string, unknown>;
    const num = (k: string, dflt?: number) => Number(md[k] ?? dflt);
    const pieces = md['tokenizer.ggml.tokens'] as string[];
    const cfg: ModelConfig = {
      vocabSize: pieces.length,
      hiddenSize: num('llama.embedding_length'),
      intermediateSize: num('llama.feed_forward_length'),
      numLayers: num('llama.block_count'),
      numHeads: num('llama.attention.head_count'),
      numKvHeads: num('llama.attention.head_count_kv', num('llama.attention.head_count')),
      rmsNormEps: num('llama.attention.layer_norm_rms_epsilon'),
      ropeBase: num('llama.rope.freq_base', 10000),
      maxPositions: num('llama.context_length'),
    };
    expect(cfg.numKvHeads).toBeLessThan(cfg.numHeads); // exercises GQA
    const w = new Map<string, Tensor>();
    const put = async (name: string, g: string, permHeads = 0) => {
      let a = await ck.read(g);
      if (permHeads) a = unpermute(a, permHeads, cfg.hiddenSize);
      w.set(name, tensor(a, ck.entry(g).shape, { backend: be }));
    };
    await put('model.embed_tokens.weight', 'token_embd.weight');
    for (let i = 0; i < cfg.numLayers; i++) {
      const p = `model.layers.${i}`;
      const b = `blk.${i}`;
      await put(`${p}.self_attn.q_proj.weight`, `${b}.attn_q.weight`, cfg.numHeads);
      await put(`${p}.self_attn.k_proj.weight`, `${b}.attn_k.weight`, cfg.numKvHeads);
      await put(`${p}.self_attn.v_proj.weight`, `${b}.attn_v.weight`);
      await put(`${p}.self_attn.o_proj.weight`, `${b}.attn_output.weight`);
      await put(`${p}.mlp.gate_proj.weight`, `${b}.ffn_gate.weight`);
      await put(`${p}.mlp.up_proj.weight`, `${b}.ffn_up.weight`);
      await put(`${p}.mlp.down_proj.weight`, `${b}.ffn_down.weight`);
      await put(`${p}.input_layernorm.weight`, `${b}.attn_norm.weight`);
      await put(`${p}.post_attention_layernorm.weight`, `${b}.ffn_norm.weight`);
    }
    await put('model.norm.weight', 'output_norm.weight');
    await put('lm_head.weight', 'output.weight');
    await ck.close();
    const model = new LlamaModel(cfg, w, { source: file });
    const prompt = [1, 403, 407, 261, 378]; // BOS ▁Once ▁upon ▁a ▁time
    const text = (ids: number[]) => ids.map((i) => pieces[i]).join('').replace(/▁/g, ' ');
    expect(text(prompt.slice(1))).toBe(' Once upon a time');
    const { tokens } = await generate(model, prompt, { maxNewTokens: 40, eosId: 2 });
    const out = text(tokens[0]);
    expect(out).toMatch(/^, there was a little (girl|boy) named \w+\. (She|He) /);
    model.dispose();
  });
});
