/**
 * A ROME edit's ΔW on stories260K (the benchmark's edit: two fixed templates, 25 v* steps) equals the
 * one the implementation made before the speed work (the committed fixture, made by
 * `rome-delta-fixture.ts` on the float64 backend): to float32 precision on the float64 reference
 * backend, and within f32 accumulation error on the f32 CPU backend.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createCpuBackend, createCpuF32Backend } from '@crossedit/cpu';
import { FIXTURE, romeStoryDelta } from './rome-delta-fixture.js';

const fixture = JSON.parse(readFileSync(FIXTURE, 'utf8')) as { shape: number[]; u: number[]; right: number[] };

function fixtureDelta(): Float64Array {
  const [d, m] = fixture.shape;
  const out = new Float64Array(d * m);
  for (let i = 0; i < d; i++) for (let j = 0; j < m; j++) out[i * m + j] = fixture.right[i] * fixture.u[j];
  return out;
}

/** max |a - b| / max |b|. */
function relMaxErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let err = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    err = Math.max(err, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return err / scale;
}

describe('ROME ΔW on stories260K against the pre-speed-work fixture', () => {
  const want = fixtureDelta();

  it('float64 CPU backend: equal to float32 precision', async () => {
    const got = await romeStoryDelta(createCpuBackend());
    expect(got.shape).toEqual(fixture.shape);
    expect(Math.max(...want.map(Math.abs))).toBeGreaterThan(1e-3); // a real edit, not zeros
    const err = relMaxErr(got.delta, want);
    console.info(`stories260K ROME ΔW, cpu vs fixture: max rel. error ${err.toExponential(2)}`);
    expect(err).toBeLessThan(6e-8);
  });

  it('f32 CPU backend: within f32 accumulation error', async () => {
    const got = await romeStoryDelta(createCpuF32Backend());
    const err = relMaxErr(got.delta, want);
    console.info(`stories260K ROME ΔW, cpu-f32 vs fixture: max rel. error ${err.toExponential(2)}`);
    expect(err).toBeLessThan(1e-4);
  });
});
