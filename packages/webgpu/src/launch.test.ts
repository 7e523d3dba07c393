/**
 * The fast launch path (program keys, cached bind groups, constants as uniforms) computes exactly what
 * the previous path computes, with fewer dispatches and bind groups; program keys are complete.
 */
import {
  add,
  cast,
  concat,
  crossEntropy,
  fill,
  gather,
  grads,
  logSoftmax,
  matmul,
  mul,
  pad,
  reshape,
  Rng,
  rmsNorm,
  rope,
  setBackend,
  softmax,
  slice,
  sub,
  sum,
  tensor,
  tidy,
  transpose,
  where,
} from '@crossedit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebGpuBackend, type WebGpuBackend } from './index.js';
import { freshSeed } from './testing/helpers.js';

let fast: WebGpuBackend;
let previous: WebGpuBackend;
beforeAll(async () => {
  fast = await createWebGpuBackend({ checkProgramKeys: true });
  previous = await createWebGpuBackend({ fastLaunch: false });
});
afterAll(() => {
  fast?.dispose();
  previous?.dispose();
});

/** A workload over most kernels, with scalar operands, fills and a backward pass; returns host values. */
async function workload(gpu: WebGpuBackend, seed: number): Promise<Float32Array[]> {
  setBackend(gpu);
  const rng = new Rng(seed);
  const data = (n: number) => Float32Array.from({ length: n }, () => rng.gaussian());
  const x = tensor(data(2 * 6 * 16), [2, 6, 16]);
  const w = tensor(data(16 * 16), [16, 16]);
  const big = tensor(data(64 * 256), [64, 256]); // large enough for the dot4 matmul and its packing
  const g = tensor(data(16), [16]);
  const ids = tensor([3, 1, 4, 1, 5, 9], [6], { dtype: 'i32' });
  const pos = tensor([0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5], [2, 6], { dtype: 'i32' });
  const outs = tidy(() => {
    const h = rmsNorm(add(matmul(x, w, { transB: true }), 0.5), g, 1e-5);
    const r = rope(mul(reshape(h, [2, 6, 4, 4]), 2), pos, 10000);
    const p = softmax(sub(r, fill([1], 0.25)));
    const lp = logSoftmax(mul(h, fill([2, 6, 16], 3)));
    const e = gather(w, ids);
    const loss = crossEntropy(slice(reshape(h, [12, 16]), [0, 0], [6, 16]), ids);
    const [gw, gg] = grads(() => sum(mul(rmsNorm(matmul(x, w), g, 1e-5), 0.1)), [w, g]);
    const m = matmul(big, big, { transA: true });
    const sel = where(fill([2, 6, 16], 1), h, fill([2, 6, 16], -1));
    const c = concat([pad(e, [0, 1], [0, 0]), transpose(mul(fill([17, 6], 2), 1))], 0);
    return [h, r, p, lp, loss, gw, gg, sum(m, -1), sel, c, cast(fill([3], 2.5), 'i32'), fill([5], 7)];
  });
  const vals: Float32Array[] = [];
  for (const t of outs) {
    vals.push(Float32Array.from(await t.data()));
    t.dispose();
  }
  for (const t of [x, w, big, g, ids, pos]) t.dispose();
  return vals;
}

describe('fast launch path', () => {
  const seed = freshSeed();
  it(`gives bit-identical results to the previous path, with fewer dispatches and bind groups (seed ${seed})`, async () => {
    const d0 = { f: fast.counters.dispatches, p: previous.counters.dispatches };
    const a = await workload(fast, seed);
    const b = await workload(previous, seed);
    expect(a.length).toBe(b.length);
    for (let i = 0; i < a.length; i++) expect(Array.from(a[i]), `output ${i}`).toEqual(Array.from(b[i]));
    const df = fast.counters.dispatches - d0.f;
    const dp = previous.counters.dispatches - d0.p;
    expect(df).toBeLessThan(dp);
    // the same workload again: the fast path finds (nearly) all its bind groups in the cache
    // (the pool hands out the oldest free buffer of a size class, so a repeated sequence of allocations
    // gets the same buffers)
    const c0 = fast.counters.bindGroupsCreated;
    const h0 = fast.counters.bindGroupHits;
    await workload(fast, seed);
    const created = fast.counters.bindGroupsCreated - c0;
    const hits = fast.counters.bindGroupHits - h0;
    expect(hits).toBeGreaterThan(0);
    expect(hits).toBeGreaterThanOrEqual(9 * created);
  }, 120_000);

  it('a scalar operand costs no dispatch; a bound constant is written once before its first use', async () => {
    setBackend(fast);
    const x = tensor([1, 2, 3, 4], [2, 2]);
    await fast.sync();
    const d0 = fast.counters.dispatches;
    const w0 = fast.counters.constantWrites;
    const y = mul(x, 3); // a Fill and a Binary: one dispatch
    expect(fast.counters.dispatches - d0).toBe(1);
    const ones = fill([2, 2], 1);
    const z = matmul(y, ones); // MatMul binds the constant: it is written first
    expect(fast.counters.constantWrites - w0).toBe(1);
    const z2 = matmul(ones, y); // already written
    expect(fast.counters.constantWrites - w0).toBe(1);
    expect(Array.from(await z.data())).toEqual([9, 9, 21, 21]);
    expect(Array.from(await z2.data())).toEqual([12, 18, 12, 18]);
    expect(Array.from(await fill([3], -Infinity).data())).toEqual([-Infinity, -Infinity, -Infinity]);
    expect(Array.from(await fill([2], 7, { dtype: 'i32' }).data())).toEqual([7, 7]);
    for (const t of [x, y, ones, z, z2]) t.dispose();
  });

  it('a key that names two sources is caught by checkProgramKeys', () => {
    const desc = (expr: string) => ({
      name: 'bad',
      key: 'test-same-key',
      bindings: [{ name: 'Y', elem: 'f32' as const, access: 'read_write' as const }],
      uniforms: [],
      body: `@compute @workgroup_size(1) fn main() { Y[0] = ${expr}; }`,
    });
    const s = fast.alloc({ shape: [1], dtype: 'f32' });
    fast.dispatch(desc('1.0'), [s], [1, 1, 1]);
    expect(() => fast.dispatch(desc('2.0'), [s], [1, 1, 1])).toThrow(/key 'test-same-key' names two different sources/);
    fast.free(s);
  });
});
