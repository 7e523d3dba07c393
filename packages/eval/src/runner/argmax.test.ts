import { describe, expect, it } from 'vitest';
import { type ForwardOptions, type LanguageModel, type Tensor } from '@crossedit/core';
import { cpuBackend, tinyLlama } from '@crossedit/testing';
import { argmaxRows } from './argmax.js';

/** The model with `supportsLogitsAt` hidden (a model whose head always runs on every position). */
const fullHead = (m: LanguageModel) =>
  new Proxy(m, { get: (t, k) => (k === 'supportsLogitsAt' ? false : typeof Reflect.get(t, k) === 'function' ? Reflect.get(t, k).bind(t) : Reflect.get(t, k)) }) as LanguageModel;

describe('argmaxRows', () => {
  const seqs = [[1, 5, 9, 2], [3, 4], [7, 8, 9, 10, 11, 12], [6]];
  const want = [[1, 3], [0, 1], [5], [0]];

  it('with wanted positions runs the head there only: the same argmax ids, -1 elsewhere; a full-head model gives every position', async () => {
    cpuBackend();
    const model = tinyLlama({ vocabSize: 40, seed: 9 });
    expect(model.supportsLogitsAt).toBe(true);
    const full = await argmaxRows(model, seqs, { batchTokens: 8 });
    const sparse = await argmaxRows(model, seqs, { batchTokens: 8 }, want);
    expect(full.map((r) => r.length)).toEqual(seqs.map((s) => s.length));
    sparse.forEach((row, i) => {
      expect(row).toHaveLength(seqs[i].length);
      row.forEach((v, p) => expect(v).toBe(want[i].includes(p) ? full[i][p] : -1));
    });
    // distinct answers, so the comparison could fail
    expect(new Set(full.flat()).size).toBeGreaterThan(2);
    expect(await argmaxRows(fullHead(model), seqs, { batchTokens: 8 }, want)).toEqual(full);
    // a sequence with nothing wanted reads -1 everywhere, without a forward pass of its own
    expect(await argmaxRows(model, [[1, 2]], {}, [[]])).toEqual([[-1, -1]]);
  });

  it("awaits a model's prepare(ids) before forward on those very ids (a wrapper with host-side work, e.g. SERAC with a BERT classifier)", async () => {
    cpuBackend();
    const model = tinyLlama({ vocabSize: 40, seed: 9 });
    const prepared = new Set<unknown>();
    const seen: number[][] = [];
    const wrapped = new Proxy(model, {
      get: (t, k) => {
        if (k === 'prepare')
          return async (ids: Tensor) => {
            await new Promise((r) => setTimeout(r, 1)); // really asynchronous
            seen.push(Array.from(await ids.data()));
            prepared.add(ids);
          };
        if (k === 'forward')
          return (ids: Tensor, o?: ForwardOptions) => {
            if (!prepared.has(ids)) throw new Error('forward before prepare');
            return t.forward(ids, o);
          };
        const v = Reflect.get(t, k);
        return typeof v === 'function' ? v.bind(t) : v;
      },
    }) as LanguageModel;
    const full = await argmaxRows(model, seqs, { batchTokens: 8 });
    expect(await argmaxRows(wrapped, seqs, { batchTokens: 8 })).toEqual(full);
    // every row was prepared (padded batches, so each prepared tensor holds whole rows)
    const rows = seen.flat();
    for (const s of seqs) expect(rows.join(',')).toContain(s.join(','));
  });
});
