/**
 * The read-only prefix cache: a forward on each row's tail over the cached keys/values of its head equals
 * the whole rows' forward at the tail positions (float64 to 1e-12; cpu-f32 to f32 rounding), its gradient
 * w.r.t. a vector added in the tail too, with `startAt` and `logitsAt`, and the cache is left as it was.
 */
import { describe, expect, it } from 'vitest';
import { crossEntropy, memory, tensor, tidy, valueAndGrads, type Backend, type Tensor } from '@crossedit/core';
import { createCpuF32Backend } from '@crossedit/cpu';
import { addAtHook, captureHook } from './hooks.js';
import { LlamaModel } from './llama.js';
import { randomWeights } from './weights.js';
import { TINY, cpuBackend, expectClose } from './testing/setup.js';

// rows of different lengths (right padding), cut at different positions: one head is empty
const rows = [
  [3, 17, 42, 8, 1, 29, 33],
  [11, 0, 49, 23, 5],
  [7, 7, 2, 40, 12, 9],
];
const cuts = [3, 0, 4];
const S = Math.max(...rows.map((r) => r.length));
const P = Math.max(...cuts);
const T = Math.max(...rows.map((r, i) => r.length - cuts[i]));
/** δ is added at these (row, whole-row position) pairs, each at or after its row's cut. */
const sites = [
  [0, 3],
  [1, 2],
  [2, 4],
];

function padded(parts: number[][], width: number, backend: Backend): { ids: Tensor; mask: Tensor } {
  const ids = new Int32Array(parts.length * width);
  const mask = new Float64Array(parts.length * width);
  parts.forEach((r, i) => r.forEach((id, j) => ((ids[i * width + j] = id), (mask[i * width + j] = 1))));
  return { ids: tensor(ids, [parts.length, width], { backend, dtype: 'i32' }), mask: tensor(mask, [parts.length, width], { backend }) };
}

/** Flat indices of every real position at or after the cut: in the whole rows and in the tails. */
const readWhole: number[] = [];
const readTail: number[] = [];
rows.forEach((r, i) => {
  for (let j = cuts[i]; j < r.length; j++) {
    readWhole.push(i * S + j);
    readTail.push(i * T + j - cuts[i]);
  }
});
const targets = readWhole.map((x) => (x * 7 + 3) % TINY.vocabSize);

interface Pass {
  logits: Float64Array;
  loss: number;
  grad: Float64Array;
  stream: Float64Array;
}

/**
 * The logits at the read positions, and the cross-entropy there and its gradient w.r.t. δ added to the
 * output of layer 0's MLP at the sites; with `prefix`, on the tails over the cached heads.
 */
async function pass(model: LlamaModel, prefix: boolean, startAt: boolean): Promise<Pass> {
  const be = model.backend;
  const i32 = (v: number[]) => tensor(Int32Array.from(v), [v.length], { backend: be, dtype: 'i32' });
  const cache = prefix ? model.createCache(rows.length) : null;
  if (cache) {
    const heads = padded(rows.map((r, i) => r.slice(0, cuts[i])), P, be);
    tidy(() => void model.forward(heads.ids, { attentionMask: heads.mask, cache }));
    heads.ids.dispose();
    heads.mask.dispose();
  }
  const base = memory().tensors;
  const batch = prefix ? padded(rows.map((r, i) => r.slice(cuts[i])), T, be) : padded(rows, S, be);
  const at = i32(prefix ? readTail : readWhole);
  const tg = i32(targets);
  const sRows = sites.map(([r]) => r);
  const sPos = sites.map(([r, p]) => (prefix ? p - cuts[r] : p));
  const delta = tensor(
    Array.from({ length: TINY.hiddenSize }, (_, i) => 0.3 * Math.sin(i + 1)),
    [TINY.hiddenSize],
    { backend: be },
  );
  const common = { attentionMask: batch.mask, logitsAt: at, ...(cache ? { prefix: cache } : {}) };
  let stream: Tensor | null = null;
  // the stream layer 0 outputs with δ = 0 (what startAt resumes from)
  tidy(() => void model.forward(batch.ids, { ...common, hooks: [captureHook({ kind: 'layer', layer: 0 }, 'output', (t) => (stream = t))], stopAfterLayer: 0 }));
  const hook = addAtHook({ kind: 'mlp', layer: 0 }, sRows, sPos, delta);
  const logitsOf = () =>
    startAt
      ? model.forward(batch.ids, { ...common, startAt: { layer: 1, hidden: addAtHook({ kind: 'layer', layer: 0 }, sRows, sPos, delta).fn(stream!) as Tensor } }).logits!
      : model.forward(batch.ids, { ...common, hooks: [hook] }).logits!;
  const logits = tidy(logitsOf);
  const { value, grads } = valueAndGrads(() => crossEntropy(logitsOf(), tg), [delta]);
  const out: Pass = {
    logits: Float64Array.from(await logits.data()),
    loss: await value.item(),
    grad: Float64Array.from(await grads[0].data()),
    stream: Float64Array.from(await stream!.data()),
  };
  for (const t of [logits, value, grads[0], delta, at, tg, batch.ids, batch.mask, stream!]) (t as Tensor).dispose();
  expect(memory().tensors, 'no tensor leaked by the passes').toBe(base);
  if (cache) {
    expect(cache.length, 'the prefix cache is left as it was').toBe(P);
    cache.dispose();
  }
  return out;
}

describe('forward with a prefix cache', () => {
  const backends: [string, () => Backend, number][] = [
    ['cpu (float64)', cpuBackend, 1e-12],
    ['cpu-f32', () => createCpuF32Backend(), 2e-5],
  ];
  for (const [name, make, tol] of backends) {
    for (const startAt of [false, true]) {
      it(`on ${name}${startAt ? ', resumed with startAt' : ''}: tail logits, loss and δ-gradient equal the whole rows'`, async () => {
        const backend = make();
        const model = new LlamaModel(TINY, randomWeights(TINY, { seed: 4, backend }));
        expect(model.supportsPrefix).toBe(true);
        const whole = await pass(model, false, startAt);
        const tail = await pass(model, true, startAt);
        expect(whole.logits.length).toBe(readWhole.length * TINY.vocabSize);
        expect(new Set(whole.logits).size).toBeGreaterThan(100);
        expect(Math.max(...whole.grad.map(Math.abs)), 'the gradient is not trivially zero').toBeGreaterThan(1e-3);
        expectClose(tail.logits, whole.logits, tol, tol, 'logits');
        expectClose([tail.loss], [whole.loss], tol, tol, 'loss');
        expectClose(tail.grad, whole.grad, tol, tol, 'δ-gradient');
        // a second pass over the same prefix gives the same numbers (the cache was not extended)
        const again = await pass(model, true, startAt);
        expect(Array.from(again.logits)).toEqual(Array.from(tail.logits));
        model.dispose();
      });
    }
  }

  for (const [name, make, tol] of backends) {
    it(`on ${name}: a one-row prefix shared by a batch of tails gives the whole rows' logits`, async () => {
      const backend = make();
      const model = new LlamaModel(TINY, randomWeights(TINY, { seed: 6, backend }));
      const head = [5, 31, 8, 44, 2];
      const tails = [[9, 13, 1], [27], [40, 3, 3, 18]];
      const whole = padded(tails.map((t) => [...head, ...t]), head.length + 4, backend);
      const part = padded(tails, 4, backend);
      const h = padded([head], head.length, backend);
      const cache = model.createCache(1);
      tidy(() => void model.forward(h.ids, { cache }));
      const [a, b] = tidy(() => [model.forward(whole.ids, { attentionMask: whole.mask }).logits!, model.forward(part.ids, { attentionMask: part.mask, prefix: cache }).logits!]);
      const [av, bv] = [await a.data(), await b.data()];
      const V = TINY.vocabSize;
      const want: number[] = [];
      const got: number[] = [];
      tails.forEach((t, r) =>
        t.forEach((_, j) => {
          want.push(...av.subarray((r * (head.length + 4) + head.length + j) * V, (r * (head.length + 4) + head.length + j + 1) * V));
          got.push(...bv.subarray((r * 4 + j) * V, (r * 4 + j + 1) * V));
        }),
      );
      expect(new Set(want).size).toBeGreaterThan(100);
      expectClose(got, want, tol, tol, 'logits');
      expect(cache.length).toBe(head.length);
      for (const t of [a, b, whole.ids, whole.mask, part.ids, part.mask, h.ids, h.mask]) t.dispose();
      cache.dispose();
      model.dispose();
    });
  }

  it('refuses a foreign prefix, a wrong batch size and a prefix with a cache, naming the option', () => {
    const model = new LlamaModel(TINY, randomWeights(TINY, { seed: 4, backend: cpuBackend() }));
    const other = new LlamaModel(TINY, randomWeights(TINY, { seed: 5, backend: cpuBackend() }));
    const x = tensor(Int32Array.from([1, 2, 3]), [1, 3], { dtype: 'i32' });
    expect(() => model.forward(x, { prefix: other.createCache(1) })).toThrow(/prefix was not created by this model/);
    expect(() => model.forward(x, { prefix: model.createCache(2) })).toThrow('forward: prefix serves 2 rows, ids have 1');
    expect(() => model.forward(x, { prefix: model.createCache(1), cache: model.createCache(1) })).toThrow(/prefix cannot be combined with a cache/);
    x.dispose();
    model.dispose();
    other.dispose();
  });
});
