import { describe, expect, it } from 'vitest';
import { captureHook, tensor, tidy, type Tensor } from '@crossedit/core';
import { TINY, tinyModel } from './testing/setup.js';

const rows = [
  [3, 17, 42, 8, 1, 29],
  [11, 0, 49, 23, 5, 7],
];

describe('forward with startAt', () => {
  it('resuming after layer L from the stream it output gives the full pass’s logits, and skips the earlier layers’ hooks', async () => {
    const model = tinyModel();
    expect(model.supportsStartAt).toBe(true);
    const ids = tensor(Int32Array.from(rows.flat()), [2, 6], { dtype: 'i32' });
    const mask = tensor([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0], [2, 6]);
    for (let layer = 0; layer < TINY.numLayers; layer++) {
      let stream: Tensor | null = null;
      const ran: number[] = [];
      const seen = [...Array(TINY.numLayers).keys()].map((l) => ({ ref: { kind: 'layer' as const, layer: l }, io: 'input' as const, fn: () => void ran.push(l) }));
      const [full, resumed] = tidy(() => [
        model.forward(ids, { attentionMask: mask, hooks: [captureHook({ kind: 'layer', layer }, 'output', (t) => (stream = t))] }).logits!,
        model.forward(ids, { attentionMask: mask, startAt: { layer: layer + 1, hidden: stream! }, hooks: seen }).logits!,
      ]);
      expect(ran).toEqual([...Array(TINY.numLayers).keys()].filter((l) => l > layer));
      const [f, r] = [await full.data(), await resumed.data()];
      expect(Array.from(r)).toEqual(Array.from(f));
      expect(new Set(Array.from(f)).size).toBeGreaterThan(10);
      for (const t of [full, resumed, stream!]) (t as Tensor).dispose();
    }
    model.dispose();
  });

  it('refuses a layer out of range, a wrong stream shape and a cache, naming the option', () => {
    const model = tinyModel();
    const ids = tensor(Int32Array.from(rows.flat()), [2, 6], { dtype: 'i32' });
    const h = tensor(new Float64Array(2 * 6 * TINY.hiddenSize), [2, 6, TINY.hiddenSize]);
    expect(() => tidy(() => model.forward(ids, { startAt: { layer: TINY.numLayers + 1, hidden: h } }))).toThrow(/startAt.layer .* out of range/);
    expect(() => tidy(() => model.forward(ids, { startAt: { layer: 1, hidden: tensor([1, 2], [1, 2]) } }))).toThrow(/startAt.hidden must be f32 \[2, 6, /);
    expect(() => tidy(() => model.forward(ids, { startAt: { layer: 1, hidden: h }, cache: model.createCache(2) }))).toThrow(/startAt cannot be combined with a cache/);
    model.dispose();
  });
});
