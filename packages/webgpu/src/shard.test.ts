/**
 * Row-sharded execution on WebGPU: every shared sharding case of `@crossedit/cpu/conformance` on a
 * backend whose binding limit is lowered to a few hundred bytes (so small shapes shard), against the
 * float64 CPU reference without a limit, forward and gradients with the same cotangent. Tolerance as
 * the gradient parity suite: rtol 1e-4, atol 1e-5·sqrt(n) of the largest input; integer outputs exact.
 */
import { Rng, ShapeError, tensor } from '@crossedit/core';
import { SHARD_CASES, SHARD_LIMIT, runShardCase } from '@crossedit/cpu/conformance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebGpuBackend, type WebGpuBackend } from './index.js';
import { backends, expectAllClose, freshSeed, gens, hostData, type Pair } from './testing/helpers.js';

const SEED = freshSeed();
let pair: Pair;

beforeAll(async () => {
  pair = await backends({ maxBindingBytes: SHARD_LIMIT });
});
afterAll(() => pair?.gpu.dispose());

describe(`row-sharded execution on webgpu (limit ${SHARD_LIMIT} bytes, seed ${SEED})`, () => {
  it('takes the lowered limit, below the device limit', () => {
    expect(pair.gpu.maxBindingBytes).toBe(SHARD_LIMIT);
    expect(pair.gpu.caps.maxBindingBytes).toBeGreaterThan(SHARD_LIMIT);
  });

  it.each(SHARD_CASES.map((c) => [c.name, c] as const))('%s', async (_n, c) => {
    const rng = new Rng((SEED ^ c.name.length * 7919) >>> 0);
    const hosts = c.inputs.map((inp) => hostData(rng, inp.shape, inp.gen ?? gens.normal, inp.dtype ?? 'f32'));
    const probe = await runShardCase(pair.cpu, { ...c, grad: false }, hosts, null);
    const dy = c.grad ? (hostData(rng, probe.shape, gens.normal) as Float32Array) : null;
    const ref = await runShardCase(pair.cpu, c, hosts, dy);
    const got = await runShardCase(pair.gpu, c, hosts, dy);
    c.inputs.forEach((inp, k) => {
      if (inp.sharded) expect(got.inputShards[k], `input ${k} is sharded`).toBeGreaterThan(1);
    });
    if (c.shardedOutput) expect(got.outputShards, 'the output is sharded').toBeGreaterThan(1);
    expect(got.shape).toEqual(ref.shape);
    const n = Math.max(...c.inputs.map((i) => i.shape.reduce((a, b) => a * b, 1)));
    const tol = { rtol: c.rtol ?? 1e-4, atol: 1e-5 * Math.sqrt(n) };
    if (c.exact) expect(Array.from(got.value), `${c.name} value`).toEqual(Array.from(ref.value));
    else expectAllClose(got.value, ref.value, tol, `${c.name} value (seed ${SEED})`);
    expect(got.grads.length).toBe(ref.grads.length);
    got.grads.forEach((g, k) => expectAllClose(g, ref.grads[k], tol, `${c.name} gradient ${k} (seed ${SEED})`));
    expect(pair.gpu.memory().storages, 'no storage leaks').toBe(0);
  });

  it('a tensor whose single row passes the limit fails naming its shape, size and the limit', () => {
    const wide = new Float32Array(SHARD_LIMIT / 4 + 1);
    expect(() => tensor(wide, [1, wide.length], { backend: pair.gpu })).toThrow(ShapeError);
    expect(() => tensor(wide, [1, wide.length], { backend: pair.gpu })).toThrow(/f32\[1,129\].*516 bytes.*maxStorageBufferBindingSize 512 bytes/);
  });
});

describe('the device limit without an override', () => {
  let gpu: WebGpuBackend;
  beforeAll(async () => {
    gpu = await createWebGpuBackend();
  });
  afterAll(() => gpu?.dispose());
  it('is the adapter maxStorageBufferBindingSize (or maxBufferSize when smaller)', () => {
    expect(gpu.maxBindingBytes).toBe(Math.min(gpu.caps.maxBindingBytes, gpu.device.limits.maxBufferSize));
    expect(gpu.maxBindingBytes).toBeGreaterThanOrEqual(2 ** 27);
  });
});
