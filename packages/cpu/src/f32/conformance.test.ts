/**
 * The f32 CPU backend against the float64 reference: every shared conformance case (kernels, with the
 * cases' f32 tolerances) and every shared gradient case (valueAndGrads with one random cotangent; rtol
 * 1e-4, atol 1e-5·sqrt(n)), on a fresh seed (replay with CROSSEDIT_SEED).
 */
import { Rng, matmul, tensor } from '@crossedit/core';
import { describe, expect, it } from 'vitest';
import { ALL_KERNELS, EW, GRAD_CASES, KERNEL_CASES, closeReport, executeCase, freshSeed, gens, gradsOn, hashName, hostData, type Tol } from '../conformance/index.js';
import { createCpuBackend } from '../backend.js';
import { createCpuF32Backend } from './backend.js';

const SEED = freshSeed();
const cpu = createCpuBackend();
const f32 = createCpuF32Backend();

function expectClose(got: ArrayLike<number>, ref: ArrayLike<number>, tol: Tol, what: string): void {
  const r = closeReport(got, ref, tol, what);
  if (r.failure) expect.fail(r.failure);
}

describe(`cpu-f32 conformance vs cpu (seed ${SEED})`, () => {
  it('covers every kernel of the core table', () => {
    const covered = new Set(KERNEL_CASES.map((c) => c.kernel));
    expect(ALL_KERNELS.filter((k) => !covered.has(k))).toEqual([]);
  });

  it.each(KERNEL_CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const rng = new Rng((SEED ^ hashName(c.name)) >>> 0);
    const hosts = c.inputs.map((inp) => hostData(rng, inp.shape, inp.gen ?? gens.normal, inp.dtype ?? 'f32'));
    const ref = executeCase(c, cpu, hosts);
    const got = executeCase(c, f32, hosts);
    try {
      expect(got.length).toBe(ref.length);
      for (let o = 0; o < ref.length; o++) {
        expect(got[o].shape, `output ${o} shape`).toEqual(ref[o].shape);
        expect(got[o].dtype).toBe(ref[o].dtype);
        const [g, r] = await Promise.all([got[o].data(), ref[o].data()]);
        if (got[o].dtype === 'f32') expect(g).toBeInstanceOf(Float32Array);
        const what = `${c.name} output ${o} (seed ${SEED})`;
        if (ref[o].dtype === 'i32') expect(Array.from(g), what).toEqual(Array.from(r));
        else expectClose(g, r, c.tol ?? EW, what);
      }
    } finally {
      for (const t of [...ref, ...got]) t.dispose();
    }
  });
});

describe(`cpu-f32 gradient parity vs cpu (seed ${SEED})`, () => {
  it.each(GRAD_CASES.map((c) => [c.name, c] as const))('%s', async (_n, c) => {
    const rng = new Rng(SEED + c.name.length * 7919);
    const hosts = c.inputs.map((inp) => hostData(rng, inp.shape, inp.gen ?? gens.normal, inp.dtype ?? 'f32'));
    const xs = c.inputs.map((inp, k) => tensor(hosts[k], inp.shape, { backend: cpu, dtype: inp.dtype ?? 'f32' }));
    const probe = c.f(xs);
    const dyHost = hostData(rng, probe.shape, gens.normal) as Float32Array;
    probe.dispose();
    xs.forEach((x) => x.dispose());
    const ref = await gradsOn(cpu, c, hosts, dyHost);
    const got = await gradsOn(f32, c, hosts, dyHost);
    expect(got.outShape).toEqual(ref.outShape);
    const n = Math.max(...c.inputs.map((i) => i.shape.reduce((a, b) => a * b, 1)));
    const tol = { rtol: 1e-4, atol: c.atol ?? 1e-5 * Math.sqrt(n) };
    expectClose(got.value, ref.value, tol, `${c.name} value (seed ${SEED})`);
    expect(got.grads.length).toBe(ref.grads.length);
    got.grads.forEach((g, k) => {
      expect(ref.grads[k].some((v) => v !== 0), `${c.name}: reference gradient ${k} is not all zero`).toBe(true);
      expectClose(g, ref.grads[k], tol, `${c.name} gradient ${k} (seed ${SEED})`);
    });
  });
});

describe('cpu-f32 backend', () => {
  it('stores f32 as Float32Array, rounds uploads, and counts 4 bytes per element', async () => {
    const t = tensor([0.1, 1 / 3], [2], { backend: f32 });
    const d = await t.data();
    expect(d).toBeInstanceOf(Float32Array);
    expect(Array.from(d)).toEqual([Math.fround(0.1), Math.fround(1 / 3)]);
    expect(f32.memory().bytesInUse).toBeGreaterThanOrEqual(8);
    t.dispose();
  });

  it('reuses the laid-out weight of a 2-D right operand and still sees a new weight', async () => {
    const x = tensor([1, 2, 3, 4, 5, 6], [2, 3], { backend: f32 });
    const w1 = tensor([1, 0, 0, 0, 1, 0], [2, 3], { backend: f32 });
    const w2 = tensor([0, 0, 1, 1, 1, 1], [2, 3], { backend: f32 });
    const a = matmul(x, w1, { transB: true });
    const b = matmul(x, w1, { transB: true });
    const c = matmul(x, w2, { transB: true });
    expect(Array.from(await a.data())).toEqual([1, 2, 4, 5]);
    expect(Array.from(await b.data())).toEqual([1, 2, 4, 5]);
    expect(Array.from(await c.data())).toEqual([3, 6, 6, 15]);
    for (const t of [x, w1, w2, a, b, c]) t.dispose();
  });

  it('fails after dispose with a message naming the backend', () => {
    const be = createCpuF32Backend();
    be.dispose();
    expect(() => be.upload(Float32Array.of(1), [1], 'f32')).toThrow(/cpu-f32 backend: used after dispose/);
  });
});
