/**
 * Row-sharded execution on the CPU reference: every shared sharding case on a backend with the
 * artificial binding limit against one without it (same float64 arithmetic, only the summation order
 * across shards differs: 1e-10), and gradients through sharded tensors by finite differences.
 */
import { concat, Rng, reshape, setBackend, ShapeError, sum, tensor, tidy, valueAndGrads } from '@crossedit/core';
import { describe, expect, it } from 'vitest';
import { closeReport, freshSeed, gens, hostData, SHARD_CASES, SHARD_LIMIT, runShardCase } from './conformance/index.js';
import { createCpuBackend } from './index.js';

const SEED = freshSeed();
const TOL = { rtol: 1e-10, atol: 1e-10 };

function expectClose(got: ArrayLike<number>, ref: ArrayLike<number>, tol: { rtol: number; atol: number }, what: string): void {
  const r = closeReport(got, ref, tol, what);
  expect(r.failure, what).toBeNull();
}

describe(`row-sharded execution on the cpu reference (limit ${SHARD_LIMIT} bytes, seed ${SEED})`, () => {
  const plain = createCpuBackend();
  const limited = createCpuBackend({ maxBindingBytes: SHARD_LIMIT });

  it.each(SHARD_CASES.map((c) => [c.name, c] as const))('%s', async (_n, c) => {
    const rng = new Rng((SEED ^ c.name.length * 7919) >>> 0);
    const hosts = c.inputs.map((inp) => hostData(rng, inp.shape, inp.gen ?? gens.normal, inp.dtype ?? 'f32'));
    const probe = await runShardCase(plain, { ...c, grad: false }, hosts, null);
    const dy = c.grad ? (hostData(rng, probe.shape, gens.normal) as Float32Array) : null;
    const ref = await runShardCase(plain, c, hosts, dy);
    const got = await runShardCase(limited, c, hosts, dy);
    c.inputs.forEach((inp, k) => {
      expect(ref.inputShards[k]).toBe(1);
      if (inp.sharded) expect(got.inputShards[k], `input ${k} is sharded`).toBeGreaterThan(1);
    });
    if (c.shardedOutput) expect(got.outputShards, 'the output is sharded').toBeGreaterThan(1);
    expect(got.shape).toEqual(ref.shape);
    if (c.exact) expect(Array.from(got.value), `${c.name} value`).toEqual(Array.from(ref.value));
    else expectClose(got.value, ref.value, TOL, `${c.name} value`);
    expect(got.grads.length).toBe(ref.grads.length);
    got.grads.forEach((g, k) => {
      expect(ref.grads[k].some((v) => v !== 0), `reference gradient ${k} is not all zero`).toBe(true);
      expectClose(g, ref.grads[k], TOL, `${c.name} gradient ${k}`);
    });
    expect(limited.memory().storages, 'no storage leaks').toBe(0);
  });

  it('gradients through sharded tensors match central finite differences', async () => {
    setBackend(limited);
    const rng = new Rng(SEED);
    const H = 1e-5;
    for (const c of SHARD_CASES.filter((k) => k.grad)) {
      const hosts = c.inputs.map((inp) => Float64Array.from(hostData(rng, inp.shape, inp.gen ?? gens.normal, inp.dtype ?? 'f32')));
      const mk = (k: number, d: Float64Array) => tensor(d, c.inputs[k].shape, { backend: limited, dtype: c.inputs[k].dtype ?? 'f32' });
      const xs = hosts.map((d, k) => mk(k, d));
      const y0 = tidy(() => c.f(xs));
      const dyData = Float64Array.from({ length: y0.size }, () => rng.gaussian());
      const dy = tensor(dyData, y0.shape, { backend: limited });
      y0.dispose();
      const wrtIdx = c.inputs.map((inp, k) => (inp.constant ? -1 : k)).filter((k) => k >= 0);
      const { value, grads } = valueAndGrads(() => c.f(xs), wrtIdx.map((k) => xs[k]), { dy });
      value.dispose();
      const analytic = await Promise.all(grads.map((g) => g.data()));
      grads.forEach((g) => g.dispose());
      const at = async (k: number, i: number, delta: number) => {
        const d = hosts[k].slice();
        d[i] += delta;
        const y = tidy(() => c.f(xs.map((x, q) => (q === k ? mk(k, d) : x))));
        const v = await y.data();
        y.dispose();
        let s = 0;
        for (let j = 0; j < v.length; j++) s += dyData[j] * v[j];
        return s;
      };
      for (const [g, k] of wrtIdx.map((k, gi) => [gi, k] as const)) {
        // a few coordinates per input, spread over every shard
        const n = hosts[k].length;
        for (const i of [0, Math.floor(n / 3), Math.floor((2 * n) / 3), n - 1]) {
          const fd = ((await at(k, i, H)) - (await at(k, i, -H))) / (2 * H);
          expect(Math.abs(analytic[g][i] - fd), `${c.name}: d/dx${k}[${i}] analytic ${analytic[g][i]} vs fd ${fd}`).toBeLessThan(1e-6 + 1e-5 * Math.abs(fd));
        }
      }
      xs.forEach((x) => x.dispose());
      dy.dispose();
    }
    expect(limited.memory().storages).toBe(0);
  });

  it('what still cannot work fails naming the tensor, its size and the limit', () => {
    const x = tensor(new Float64Array(2 * 6 * 3 * 16), [2, 6, 3, 16], { backend: limited });
    x.name = 'q';
    expect(x.shards).toBeGreaterThan(1);
    // a concat along a middle axis of sharded tensors has no sharded form
    const joined = () => tidy(() => void concat([x, x], 1));
    expect(joined).toThrow(ShapeError);
    expect(joined).toThrow(/Concat\(xs: \[f32\[2,6,3,16\] 'q' \(2304 bytes, \d+ shards\), .*\) -> f32\[2,12,3,16\].*maxStorageBufferBindingSize 512 bytes.*no row-sharded form/);
    // a reshape is an alias; a 1-D view is one row, which no shard can hold
    const flat = reshape(x, [-1]);
    expect(() => tidy(() => void sum(flat))).toThrow(/one row of 576 f32 elements is 2304 bytes.*maxStorageBufferBindingSize 512 bytes/);
    flat.dispose();
    expect(() => tensor(new Float64Array(400), [2, 200], { backend: limited })).toThrow(/f32\[2,200\] \(1600 bytes\): one row of 200 f32 elements is 800 bytes.*maxStorageBufferBindingSize 512 bytes/);
    x.dispose();
    expect(limited.memory().storages).toBe(0);
  });
});
