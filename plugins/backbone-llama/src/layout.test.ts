/** Checkpoint layouts: the plain LLaMA plan and the fused q/k/v split. */
import { describe, expect, it } from 'vitest';
import { LLAMA_LAYOUT, fusedQkvLayout } from './layout.js';
import { TINY_LLAMA } from './testing/index.js';

describe('WeightLayout', () => {
  it('LLaMA: one stored tensor per canonical weight, inv_freq ignored', () => {
    const plan = LLAMA_LAYOUT.tensors(TINY_LLAMA);
    expect(plan.length).toBe(2 + 9 * TINY_LLAMA.numLayers + 1);
    expect(plan.every((t) => t.parts.length === 1 && t.parts[0].name === t.name && t.parts[0].rows === t.shape[0])).toBe(true);
    expect(LLAMA_LAYOUT.ignore.some((re) => re.test('model.layers.0.self_attn.rotary_emb.inv_freq'))).toBe(true);
    expect(LLAMA_LAYOUT.ignore.some((re) => re.test('model.layers.0.self_attn.q_proj.weight'))).toBe(false);
    expect(LLAMA_LAYOUT.tensors({ ...TINY_LLAMA, tieEmbeddings: true }).some((t) => t.name === 'lm_head.weight')).toBe(false);
  });

  it('fused q/k/v: one [d + 2 kv, d] tensor per layer, split q, k, v in that order', () => {
    const layout = fusedQkvLayout({ id: 'fused', quirks: { normHead: true } });
    const plan = layout.tensors(TINY_LLAMA); // GQA: kv = 2 heads × 4
    expect(plan.length).toBe(2 + 7 * TINY_LLAMA.numLayers + 1);
    const w = plan.find((t) => t.name === 'model.layers.1.self_attn.W_pack.weight')!;
    expect(w.shape).toEqual([16 + 2 * 8, 16]);
    expect(w.parts).toEqual([
      { name: 'model.layers.1.self_attn.q_proj.weight', rows: 16 },
      { name: 'model.layers.1.self_attn.k_proj.weight', rows: 8 },
      { name: 'model.layers.1.self_attn.v_proj.weight', rows: 8 },
    ]);
    expect(plan.some((t) => t.name.includes('q_proj'))).toBe(false);
    expect(layout.quirks).toEqual({ normHead: true });
    const custom = fusedQkvLayout({ id: 'c', name: (i) => `h.${i}.attn.c_attn.weight` });
    expect(custom.tensors(TINY_LLAMA).some((t) => t.name === 'h.0.attn.c_attn.weight')).toBe(true);
  });
});
