/**
 * Buffer lifetimes under a small pool: tensors disposed while the batch that uses them is still being
 * encoded must not be destroyed before that batch is submitted ("used in submit while destroyed"), nor
 * handed to an upload before it. Random op sequences with disposal interleaved, on pools that can hold
 * nothing or almost nothing, compared with the CPU reference.
 */
import { add, exp, fill, grads, matmul, mul, Rng, rmsNorm, setBackend, slice, softmax, sub, sum, tensor, tidy, type Backend, type Tensor } from '@crossedit/core';
import { createCpuBackend } from '@crossedit/cpu';
import { afterAll, describe, expect, it } from 'vitest';
import { createWebGpuBackend, type WebGpuBackend, type WebGpuBackendOptions } from './index.js';
import { expectAllClose, freshSeed } from './testing/helpers.js';

const opened: WebGpuBackend[] = [];
afterAll(() => opened.forEach((g) => g.dispose()));

/** One random sequence: values, with intermediate tensors disposed as soon as they are used. */
function sequence(seed: number, backend: Backend, steps: number): Tensor[] {
  setBackend(backend);
  const rng = new Rng(seed);
  const data = (n: number) => Float32Array.from({ length: n }, () => rng.gaussian() * 0.5);
  const outs: Tensor[] = [];
  let x = tensor(data(12 * 20), [12, 20]);
  const ones = fill([20], 1);
  for (let s = 0; s < steps; s++) {
    const w = tensor(data(20 * 20), [20, 20]); // an upload in the middle of the batch
    const kind = rng.int(4);
    const step = (): Tensor => {
      if (kind === 0) return add(mul(matmul(x, w, { transB: true }), 0.1), x);
      if (kind === 1) return softmax(sub(x, 0.5));
      if (kind === 2) return mul(exp(mul(x, 0.1)), add(slice(w, [0, 0], [12, 20]), 1));
      const [g] = grads(() => sum(mul(matmul(x, w), matmul(x, w))), [w]);
      return add(x, mul(matmul(x, g), 1e-3));
    };
    // rmsNorm keeps every step's values of order 1 (a random product chain would overflow f32)
    const next = tidy(() => rmsNorm(step(), ones, 1e-5));
    w.dispose(); // freed while the dispatches that read it are still unsubmitted
    x.dispose();
    x = next;
    if (s % 7 === 6) outs.push(tidy(() => sum(x, -1)));
  }
  outs.push(x);
  ones.dispose();
  return outs;
}

async function run(opts: WebGpuBackendOptions, seed: number, steps: number): Promise<void> {
  const gpu = await createWebGpuBackend(opts);
  opened.push(gpu);
  const cpu = createCpuBackend();
  const want = await Promise.all(sequence(seed, cpu, steps).map(async (t) => {
    const v = await t.data();
    t.dispose();
    return v;
  }));
  const got = sequence(seed, gpu, steps);
  for (let i = 0; i < got.length; i++) {
    const v = await got[i].data(); // throws the device's validation errors, if any
    got[i].dispose();
    expectAllClose(v, want[i], { rtol: 2e-4, atol: 2e-5 }, `seed ${seed} output ${i}`);
  }
  await gpu.sync();
  const pooled = gpu.poolStats().bytesPooled;
  expect(pooled, 'the cap holds once the batch is submitted').toBeLessThanOrEqual(opts.maxPooledBytes ?? Infinity);
  gpu.dispose();
}

describe('buffer lifetimes with a small pool', () => {
  const seed = freshSeed();
  it(`a pool that keeps nothing: freed buffers are destroyed only after their batch is submitted (seed ${seed})`, async () => {
    await run({ maxPooledBytes: 0, batchLimit: 4096 }, seed, 40);
  }, 120_000);

  it(`a pool of 8 KiB with short batches (seed ${seed + 1})`, async () => {
    await run({ maxPooledBytes: 8192, batchLimit: 16 }, seed + 1, 40);
  }, 120_000);

  it(`the previous launch path keeps the same lifetimes (seed ${seed + 2})`, async () => {
    await run({ maxPooledBytes: 0, batchLimit: 4096, fastLaunch: false }, seed + 2, 20);
  }, 120_000);
});
