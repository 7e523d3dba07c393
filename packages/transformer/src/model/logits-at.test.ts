import { describe, expect, it } from 'vitest';
import { tensor, tidy, type Tensor } from '@crossedit/core';
import { naiveForward } from './testing/naive.js';
import { TINY, hostWeights, tinyModel } from './testing/setup.js';

const rows = [
  [3, 17, 42, 8, 1, 29],
  [11, 0, 49, 23, 5, 7],
];

describe('forward with logitsAt', () => {
  it('returns exactly the selected rows of the full logits, and the final hooks see [N, D]', async () => {
    const model = tinyModel();
    expect(model.supportsLogitsAt).toBe(true);
    const at = [11, 0, 5, 6, 6];
    const seen: number[][] = [];
    const ids = tensor(Int32Array.from(rows.flat()), [2, 6], { dtype: 'i32' });
    const idx = tensor(Int32Array.from(at), [at.length], { dtype: 'i32' });
    const [full, part] = tidy(() => [
      model.forward(ids).logits!,
      model.forward(ids, { logitsAt: idx, hooks: [{ ref: { kind: 'final' }, io: 'input', fn: (x: Tensor) => void seen.push([...x.shape]) }] }).logits!,
    ]);
    expect(part.shape).toEqual([at.length, TINY.vocabSize]);
    expect(seen).toEqual([[at.length, TINY.hiddenSize]]);
    const f = await full.data();
    const p = await part.data();
    const v = TINY.vocabSize;
    at.forEach((r, i) => expect(Array.from(p.subarray(i * v, (i + 1) * v))).toEqual(Array.from(f.subarray(r * v, (r + 1) * v))));
    // and the full logits are the naive reference's (so the rows are not trivially equal)
    const ref = naiveForward(TINY, await hostWeights(model), rows);
    expect(Math.abs(f[11 * v + 3] - ref.logits[1][5][3])).toBeLessThan(1e-10);
    for (const t of [ids, idx, full, part]) t.dispose();
    model.dispose();
  });

  it('rejects logitsAt that is not i32 [N], naming the option', () => {
    const model = tinyModel();
    const ids = tensor(Int32Array.from(rows.flat()), [2, 6], { dtype: 'i32' });
    const bad = tensor([1, 2], [2]);
    expect(() => tidy(() => model.forward(ids, { logitsAt: bad }))).toThrow(/logitsAt must be i32 \[N\]/);
    ids.dispose();
    bad.dispose();
    model.dispose();
  });
});
