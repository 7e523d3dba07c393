/**
 * Gradient parity: for each differentiable kernel, `valueAndGrads` with the same random cotangent on
 * the WebGPU and CPU backends must agree (the VJP rules are shared; this checks that the GPU kernels
 * they are built from compose correctly, e.g. ScatterAdd under Gather, PutLast under PickLast, the
 * transposed matmuls under MatMul). Tolerance: rtol 1e-4, atol 1e-5·sqrt(n) of the largest reduction.
 */
import { Rng, runKernel, tensor } from '@crossedit/core';
import { GRAD_CASES, gradsOn } from '@crossedit/cpu/conformance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, expectAllClose, freshSeed, gens, hostData, type Pair } from './testing/helpers.js';

const SEED = freshSeed();

const cases = GRAD_CASES;

let pair: Pair;
beforeAll(async () => {
  pair = await backends();
});
afterAll(() => pair?.gpu.dispose());

describe(`gradient parity webgpu vs cpu (seed ${SEED})`, () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_n, c) => {
    const rng = new Rng(SEED + c.name.length * 7919);
    const hosts = c.inputs.map((inp) => hostData(rng, inp.shape, inp.gen ?? gens.normal, inp.dtype ?? 'f32'));
    // the cotangent: shape from a CPU probe
    const shapeProbe = (() => {
      const xs = c.inputs.map((inp, k) => tensor(hosts[k], inp.shape, { backend: pair.cpu, dtype: inp.dtype ?? 'f32' }));
      const y = c.f(xs);
      const s = y.shape;
      y.dispose();
      xs.forEach((x) => x.dispose());
      return s;
    })();
    const dyHost = hostData(rng, shapeProbe, gens.normal) as Float32Array;
    const ref = await gradsOn(pair.cpu, c, hosts, dyHost);
    const got = await gradsOn(pair.gpu, c, hosts, dyHost);
    expect(got.outShape).toEqual(ref.outShape);
    const n = Math.max(...c.inputs.map((i) => i.shape.reduce((a, b) => a * b, 1)));
    const tol = { rtol: 1e-4, atol: c.atol ?? 1e-5 * Math.sqrt(n) };
    expectAllClose(got.value, ref.value, tol, `${c.name} value (seed ${SEED})`);
    expect(got.grads.length).toBe(ref.grads.length);
    got.grads.forEach((g, k) => {
      expect(ref.grads[k].some((v) => v !== 0), `${c.name}: reference gradient ${k} is not all zero`).toBe(true);
      expectAllClose(g, ref.grads[k], tol, `${c.name} gradient ${k} (seed ${SEED})`);
    });
  });

  it('runs the same kernels through runKernel (sanity: the GPU backend is really used)', async () => {
    const x = tensor([1, 2, 3], [3], { backend: pair.gpu });
    const [y] = runKernel('Unary', { x }, { op: 'neg' });
    expect(y.backend.name).toBe('webgpu');
    expect(Array.from(await y.data())).toEqual([-1, -2, -3]);
    x.dispose();
    y.dispose();
  });
});
