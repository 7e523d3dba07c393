/**
 * Conformance: every kernel of core's table on the WebGPU backend against the CPU float64 reference,
 * on random inputs from a fresh seed (replay with CROSSEDIT_SEED): the shared cases of
 * `@crossedit/cpu/conformance` (tolerances there), which also exercise both code paths of the row
 * kernels (one invocation per row, one workgroup per row) and of matmul (subgroup and tiled).
 */
import { Rng } from '@crossedit/core';
import { ALL_KERNELS, EW, KERNEL_CASES, executeCase, hashName } from '@crossedit/cpu/conformance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebGpuBackend } from './index.js';
import { backends, expectAllClose, freshSeed, gens, hostData, type Pair } from './testing/helpers.js';

const SEED = freshSeed();
const cases = KERNEL_CASES;

let pair: Pair;
let generic: WebGpuBackend;

beforeAll(async () => {
  pair = await backends();
  generic = (await backends({ matmul: 'generic' })).gpu;
});

afterAll(() => {
  pair?.gpu.dispose();
  generic?.dispose();
});

describe(`webgpu conformance vs cpu (seed ${SEED})`, () => {
  it('covers every kernel of the core table', () => {
    const covered = new Set(cases.map((c) => c.kernel));
    expect(ALL_KERNELS.filter((k) => !covered.has(k))).toEqual([]);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const rng = new Rng((SEED ^ hashName(c.name)) >>> 0);
    const hosts = c.inputs.map((inp) => hostData(rng, inp.shape, inp.gen ?? gens.normal, inp.dtype ?? 'f32'));
    const gpuBe = c.generic ? generic : pair.gpu;
    const ref = executeCase(c, pair.cpu, hosts);
    const got = executeCase(c, gpuBe, hosts);
    try {
      expect(got.length).toBe(ref.length);
      for (let o = 0; o < ref.length; o++) {
        expect(got[o].shape, `output ${o} shape`).toEqual(ref[o].shape);
        expect(got[o].dtype).toBe(ref[o].dtype);
        const [g, r] = await Promise.all([got[o].data(), ref[o].data()]);
        const what = `${c.name} output ${o} (seed ${SEED})`;
        if (ref[o].dtype === 'i32') expect(Array.from(g), what).toEqual(Array.from(r));
        else expectAllClose(g, r, c.tol ?? EW, what);
      }
    } finally {
      for (const t of [...ref, ...got]) t.dispose();
    }
  });
});
