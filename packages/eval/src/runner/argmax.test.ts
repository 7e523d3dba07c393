import { describe, expect, it } from 'vitest';
import { type ForwardOptions, type LanguageModel, type Tensor } from '@crossedit/core';
import { createCpuF32Backend } from '@crossedit/cpu';
import { cpuBackend, tinyLlama } from '@crossedit/testing';
import { MIN_SHARED_HEAD, argmaxRows } from './argmax.js';

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

  it('runs a head the batch shares once over a prefix cache: the same argmax ids as the whole rows (float64 and cpu-f32)', async () => {
    for (const backend of [cpuBackend(), createCpuF32Backend()]) {
      const model = tinyLlama({ vocabSize: 40, seed: 11, backend });
      expect(model.supportsPrefix).toBe(true);
      let caches = 0;
      const counted = new Proxy(model, {
        get: (t, k) => (k === 'createCache' ? (n: number) => (caches++, t.createCache(n)) : typeof Reflect.get(t, k) === 'function' ? Reflect.get(t, k).bind(t) : Reflect.get(t, k)),
      }) as LanguageModel;
      const whole = new Proxy(model, { get: (t, k) => (k === 'supportsPrefix' ? false : typeof Reflect.get(t, k) === 'function' ? Reflect.get(t, k).bind(t) : Reflect.get(t, k)) }) as LanguageModel;
      const head = Array.from({ length: MIN_SHARED_HEAD + 3 }, (_, i) => (i * 7 + 3) % 40);
      const tails = [[5, 9, 2, 33, 1], [4, 4], [17, 8, 30, 12, 11, 26, 2], [6, 21, 39]];
      const rows = tails.map((t) => [...head, ...t]);
      // the wanted positions: the tails and the head's last token
      const at = tails.map((t) => [head.length - 1, ...t.map((_, j) => head.length + j)]);
      const got = await argmaxRows(counted, rows, {}, at);
      expect(caches, 'the shared head went through a prefix cache').toBe(1);
      const want = await argmaxRows(whole, rows, {}, at);
      expect(got).toEqual(want);
      expect(new Set(want.flat().filter((v) => v >= 0)).size, 'distinct answers, so the comparison could fail').toBeGreaterThan(4);
      // a head shorter than MIN_SHARED_HEAD, or a wanted position inside it, runs the whole rows
      caches = 0;
      const short = tails.map((t) => [...head.slice(0, MIN_SHARED_HEAD - 1), ...t]);
      await argmaxRows(counted, short, {}, tails.map((t) => t.map((_, j) => MIN_SHARED_HEAD - 1 + j)));
      await argmaxRows(counted, rows, {}, tails.map(() => [2]));
      expect(caches).toBe(0);
      model.dispose();
    }
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
