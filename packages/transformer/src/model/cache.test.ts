import { describe, expect, it } from 'vitest';
import { memory, tensor, tidy, type Tensor } from '@crossedit/core';
import { TINY, atReal, expectClose, nested3, tinyModel } from './testing/setup.js';

const rows = [
  [0, 0, 12, 4, 33, 9, 21, 40],
  [7, 3, 18, 2, 45, 30, 11, 6],
];
const mask = [
  [0, 0, 1, 1, 1, 1, 1, 1],
  [1, 1, 1, 1, 1, 1, 1, 1],
];

function sliceCols<T>(x: T[][], a: number, b: number): T[][] {
  return x.map((r) => r.slice(a, b));
}

describe('KV cache', () => {
  for (const chunks of [[4, 1, 1, 1, 1], [3, 2, 3], [1, 1, 1, 1, 1, 1, 1, 1]]) {
    it(`incremental decoding in chunks ${chunks.join('+')} equals the full forward (left-padded row included)`, async () => {
      const model = tinyModel();
      const full = tidy(() => model.forward(tensor(Int32Array.from(rows.flat()), [2, 8], { dtype: 'i32' }), { attentionMask: tensor(mask.flat(), [2, 8]) }).logits!);
      const want = await nested3(full);
      full.dispose();
      const base = memory().tensors;
      const cache = model.createCache(2);
      const got: number[][][] = [[], []];
      let at = 0;
      for (const n of chunks) {
        const l = tidy(() =>
          model.forward(tensor(Int32Array.from(sliceCols(rows, at, at + n).flat()), [2, n], { dtype: 'i32' }), {
            attentionMask: tensor(sliceCols(mask, at, at + n).flat(), [2, n]),
            cache,
          }).logits!,
        );
        const v = await nested3(l);
        l.dispose();
        got[0].push(...v[0]);
        got[1].push(...v[1]);
        at += n;
        expect(cache.length).toBe(at);
      }
      expectClose(atReal(got, mask), atReal(want, mask), 1e-10, 1e-10);
      cache.dispose();
      expect(cache.length).toBe(0);
      expect(memory().tensors).toBe(base);
      model.dispose();
    });
  }

  it('accepts a mask covering cached and new tokens', async () => {
    const model = tinyModel();
    const ids = (a: number, b: number): Tensor => tensor(Int32Array.from(sliceCols(rows, a, b).flat()), [2, b - a], { dtype: 'i32' });
    const full = tidy(() => model.forward(ids(0, 8), { attentionMask: tensor(mask.flat(), [2, 8]) }).logits!);
    const want = await nested3(full);
    const cache = model.createCache(2);
    tidy(() => void model.forward(ids(0, 5), { attentionMask: tensor(sliceCols(mask, 0, 5).flat(), [2, 5]), cache }));
    const l = tidy(() => model.forward(ids(5, 8), { attentionMask: tensor(mask.flat(), [2, 8]), cache }).logits!);
    expectClose((await nested3(l)).flat(2), sliceCols(want, 5, 8).flat(2), 1e-10, 1e-10);
    cache.dispose();
    full.dispose();
    l.dispose();
    model.dispose();
  });

  it('rejects foreign caches, wrong batch sizes and stopAfterLayer with a cache', () => {
    const a = tinyModel();
    const b = tinyModel(TINY, 2);
    const x = tensor(Int32Array.from([1, 2, 3]), [1, 3], { dtype: 'i32' });
    expect(() => a.forward(x, { cache: b.createCache(1) })).toThrow(/not created by this model/);
    expect(() => a.forward(x, { cache: a.createCache(2) })).toThrow('forward: cache serves 2 rows, ids have 1');
    expect(() => a.forward(x, { cache: a.createCache(1), stopAfterLayer: 0 })).toThrow(/cannot be combined with a cache/);
    x.dispose();
    a.dispose();
    b.dispose();
  });
});
