import { describe, expect, it } from 'vitest';
import { MASKED_SCORE } from './masks.js';
import { tensor, tidy, type Tensor } from '@crossedit/core';
import { naiveForward } from './testing/naive.js';
import { TINY, expectClose, hostWeights, nested3, tinyModel } from './testing/setup.js';

const rows = [
  [3, 17, 42, 8, 1, 29],
  [11, 0, 49, 23, 5, 7],
];
const B = rows.length;
const S = rows[0].length;

/** A `[B, 1, S, S]` bias that blocks the pairs `blocked(b, i, j)` says. */
function biasOf(blocked: (b: number, i: number, j: number) => boolean): Tensor {
  const v = new Float64Array(B * S * S);
  for (let b = 0; b < B; b++) for (let i = 0; i < S; i++) for (let j = 0; j < S; j++) if (blocked(b, i, j)) v[(b * S + i) * S + j] = MASKED_SCORE;
  return tensor(v, [B, 1, S, S]);
}

// row 0: queries after position 3 may not see keys 1..2 (a subject bottleneck at [1, 3]); row 1: after 4, keys 2..3
const spans = [
  [1, 3],
  [2, 4],
];
const bottleneck = (b: number, i: number, j: number) => i > spans[b][1] && j >= spans[b][0] && j < spans[b][1];
// and at layer 0 the subject's last token too (the gated form)
const gated = (b: number, i: number, j: number) => i > spans[b][1] && j >= spans[b][0] && j <= spans[b][1];

describe('forward with attentionBias', () => {
  it('equals the naive reference that skips the blocked keys, one bias for all layers or one per layer', async () => {
    const model = tinyModel();
    expect(model.supportsAttentionBias).toBe(true);
    const w = await hostWeights(model);
    const ids = tensor(Int32Array.from(rows.flat()), [B, S], { dtype: 'i32' });
    const all = biasOf(bottleneck);
    const early = biasOf(gated);
    const perLayer = Array.from({ length: TINY.numLayers }, (_, l) => (l === 0 ? early : all));
    const [a, p, plain] = tidy(() => [model.forward(ids, { attentionBias: all }).logits!, model.forward(ids, { attentionBias: perLayer }).logits!, model.forward(ids).logits!]);
    const refAll = naiveForward(TINY, w, rows, undefined, undefined, (_l, b, i, j) => bottleneck(b, i, j));
    const refGated = naiveForward(TINY, w, rows, undefined, undefined, (l, b, i, j) => (l === 0 ? gated(b, i, j) : bottleneck(b, i, j)));
    expectClose((await nested3(a)).flat(2), refAll.logits.flat(2), 1e-9, 1e-10, 'one bias');
    expectClose((await nested3(p)).flat(2), refGated.logits.flat(2), 1e-9, 1e-10, 'per layer');
    // the bias matters: the blocked positions' logits differ from the plain forward, the earlier ones do not
    const pl = await nested3(plain);
    const al = await nested3(a);
    expect(Math.max(...pl[0][5].map((x, k) => Math.abs(x - al[0][5][k])))).toBeGreaterThan(1e-3);
    expect(Math.max(...pl[0][3].map((x, k) => Math.abs(x - al[0][3][k])))).toBe(0);
    for (const t of [ids, all, early, a, p, plain]) t.dispose();
    model.dispose();
  });

  it('a zero bias changes nothing', async () => {
    const model = tinyModel();
    const ids = tensor(Int32Array.from(rows.flat()), [B, S], { dtype: 'i32' });
    const zero = biasOf(() => false);
    const [z, plain] = tidy(() => [model.forward(ids, { attentionBias: zero }).logits!, model.forward(ids).logits!]);
    expect(Array.from(await z.data())).toEqual(Array.from(await plain.data()));
    for (const t of [ids, zero, z, plain]) t.dispose();
    model.dispose();
  });

  it('refuses a wrong shape, a wrong layer count and a cache, naming the option', () => {
    const model = tinyModel();
    const ids = tensor(Int32Array.from(rows.flat()), [B, S], { dtype: 'i32' });
    const bad = tensor(new Float64Array(S * S), [1, 1, S, S]);
    expect(() => tidy(() => model.forward(ids, { attentionBias: bad }))).toThrow(/attentionBias must be f32 \[2, 1, 6, 6\], got/);
    const ok = biasOf(bottleneck);
    expect(() => tidy(() => model.forward(ids, { attentionBias: [ok] }))).toThrow(/attentionBias has 1 entries, the model has 2 layers/);
    const cache = model.createCache(B);
    expect(() => tidy(() => model.forward(ids, { attentionBias: ok, cache }))).toThrow(/attentionBias cannot be combined with a cache or a prefix/);
    for (const t of [ids, bad, ok]) t.dispose();
    cache.dispose();
    model.dispose();
  });
});
