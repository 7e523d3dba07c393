import { existsSync, readFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import { describe, expect, it } from 'vitest';
import { GgufLlamaReader, ggufLlamaName, unpermuteGgufRope } from './gguf-llama.js';
import { SHARED, fixture } from './test-util.js';

const STORIES = nodePath.join(SHARED, 'models/stories260k/stories260K.gguf');

/** llama.cpp's HF→GGUF `permute`: w.reshape(nh, 2, hd/2, cols).swapaxes(1, 2). */
function permute(w: Float32Array, rows: number, cols: number, nh: number): Float32Array {
  const hd = rows / nh;
  const out = new Float32Array(w.length);
  for (let h = 0; h < nh; h++)
    for (let i = 0; i < hd / 2; i++)
      for (let j = 0; j < 2; j++) {
        const src = (h * hd + j * (hd / 2) + i) * cols; // [h, j, i] in HF order
        const dst = (h * hd + i * 2 + j) * cols; // [h, i, j] after swapaxes
        out.set(w.subarray(src, src + cols), dst);
      }
  return out;
}

describe('GGUF LLaMA → HF layout', () => {
  it('maps llama.cpp names to HF names', () => {
    expect(ggufLlamaName('token_embd.weight')).toBe('model.embed_tokens.weight');
    expect(ggufLlamaName('blk.12.attn_output.weight')).toBe('model.layers.12.self_attn.o_proj.weight');
    expect(ggufLlamaName('blk.0.ffn_norm.weight')).toBe('model.layers.0.post_attention_layernorm.weight');
    expect(ggufLlamaName('rope_freqs.weight')).toBeNull();
    expect(ggufLlamaName('something.else')).toBe('something.else');
  });

  it('un-permutes q/k rows as the inverse of llama.cpp permute', () => {
    const rows = 12;
    const cols = 3;
    const w = new Float32Array(rows * cols).map((_, i) => i);
    expect(Array.from(unpermuteGgufRope(permute(w, rows, cols, 3), rows, cols, 3))).toEqual(Array.from(w));
    // head dim 4: GGUF rows [r0 r1 r2 r3] (pairs (r0,r1), (r2,r3)) -> HF [r0 r2 r1 r3]
    const x = Float32Array.of(0, 1, 2, 3);
    expect(Array.from(unpermuteGgufRope(x, 4, 1, 1))).toEqual([0, 2, 1, 3]);
  });

  it.skipIf(!existsSync(STORIES))('reads stories260K with HF names, config and rotate_half q/k (golden numpy values)', async () => {
    const ref = JSON.parse(readFileSync(fixture('stories260k_reference.json'), 'utf8')) as Record<string, number[]>;
    const r = await GgufLlamaReader.open(STORIES);
    expect(r.config).toEqual({
      vocabSize: 512,
      hiddenSize: 64,
      intermediateSize: 172,
      numLayers: 5,
      numHeads: 8,
      numKvHeads: 4,
      rmsNormEps: Math.fround(1e-5),
      ropeBase: 10000,
      maxPositions: 2048,
      tieEmbeddings: false,
    });
    expect(r.list().length).toBe(48);
    expect(r.has('model.layers.4.mlp.down_proj.weight')).toBe(true);
    expect(r.entry('model.layers.0.self_attn.k_proj.weight').shape).toEqual([32, 64]);
    const q = await r.read('model.layers.0.self_attn.q_proj.weight', { shape: [64, 64] });
    expect(Array.from(q.subarray(0, 128))).toEqual(ref.attn_q0_unpermuted_rows01);
    const k = await r.read('model.layers.0.self_attn.k_proj.weight');
    expect(Array.from(k.subarray(0, 128))).toEqual(ref.attn_k0_unpermuted_rows01);
    const raw = await r.gguf.read('blk.0.attn_v.weight');
    expect(await r.read('model.layers.0.self_attn.v_proj.weight')).toEqual(raw);
    await expect(r.read('model.layers.9.mlp.up_proj.weight')).rejects.toThrow(/no tensor named 'model\.layers\.9\.mlp\.up_proj\.weight'.*similar: 'model\.layers\.0\.mlp\.up_proj\.weight'/);
    await r.close();
  });
});
