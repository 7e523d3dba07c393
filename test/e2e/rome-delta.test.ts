/**
 * A ROME edit on stories260K (the benchmark's edit: two fixed templates, 25 v* steps, early stop off)
 * against the golden of a float64 PyTorch ROME (`benchmarks/torch/rome_golden.py`, run by
 * `rome-delta-fixture.ts`): u, v* and ΔW = v_r ⊗ u, with u = k̄/‖k̄‖ (`plain`) and with the covariance
 * adjustment u = C⁻¹k̄/‖C⁻¹k̄‖ (`mom2`, C from the project's statistics pass over the committed corpus,
 * computed independently on the PyTorch side). The float64 CPU backend agrees to rounding; the f32 CPU
 * backend within f32 accumulation error.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createCpuBackend, createCpuF32Backend } from '@crossedit/cpu';
import type { Backend } from '@crossedit/core';
import { relMaxErr } from '@crossedit/testing/fixtures';
import { GOLDEN, romeStoryEdits, type StoryCase, type StoryEdit } from './rome-delta-fixture.js';

interface GoldenCase {
  kMean: number[];
  u: number[];
  v0: number[];
  vStar: number[];
  kStar: number[];
  right: number[];
  losses: number[];
}
const golden = JSON.parse(readFileSync(GOLDEN, 'utf8')) as { shape: number[]; made: { commit: string }; cases: Record<StoryCase, GoldenCase> };

function outer(right: readonly number[], u: readonly number[]): Float64Array {
  const out = new Float64Array(right.length * u.length);
  for (let i = 0; i < right.length; i++) for (let j = 0; j < u.length; j++) out[i * u.length + j] = right[i] * u[j];
  return out;
}

const BACKENDS: [string, () => Backend, number][] = [
  ['cpu', createCpuBackend, 1e-13],
  ['cpu-f32', createCpuF32Backend, 1e-4],
];

describe('ROME on stories260K against a float64 PyTorch ROME', () => {
  it('the golden is a real edit: ΔW is not small and the covariance changes u', () => {
    const plain = golden.cases.plain;
    const mom2 = golden.cases.mom2;
    expect(Math.max(...outer(plain.right, plain.u).map(Math.abs))).toBeGreaterThan(1e-3);
    expect(plain.losses[plain.losses.length - 1]).toBeLessThan(plain.losses[0]);
    expect(relMaxErr(mom2.u, plain.u)).toBeGreaterThan(0.1);
  });

  for (const [name, make, tol] of BACKENDS) {
    let edits: Promise<Record<StoryCase, StoryEdit>> | null = null;
    for (const c of ['plain', 'mom2'] as const) {
      it(`${name}, ${c}: u, v*, v_r and ΔW within ${tol}`, async () => {
        const want = golden.cases[c];
        const got = (await (edits ??= romeStoryEdits(make())))[c];
        expect(got.shape).toEqual(golden.shape);
        if (c === 'mom2') expect(got.jitter).toBe(0);
        const errs = {
          kMean: relMaxErr(got.kMean, want.kMean),
          u: relMaxErr(got.u, want.u),
          v0: relMaxErr(got.v0, want.v0),
          vStar: relMaxErr(got.vStar, want.vStar),
          kStar: relMaxErr(got.kStar, want.kStar),
          right: relMaxErr(got.right, want.right),
          losses: relMaxErr(got.losses, want.losses),
          deltaW: relMaxErr(got.delta, outer(want.right, want.u)),
        };
        console.info(`stories260K ROME ${c}, ${name} vs float64 PyTorch: max rel. error ${Object.entries(errs).map(([k, v]) => `${k} ${v.toExponential(1)}`).join(', ')}`);
        for (const v of Object.values(errs)) expect(v).toBeLessThan(tol);
      });
    }
  }
});
