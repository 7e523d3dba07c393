/** The fp16-vs-f32 ROME measurement on a small layer: f16 storage perturbs ΔW by about its rounding; re-rounding costs more. */
import { createCpuF32Backend } from '@crossedit/cpu';
import { describe, expect, it } from 'vitest';
import { layer7b, relDiff } from './fp16-rome.js';

describe('fp16-rome', () => {
  it('relDiff is the relative L2 difference and the cosine', () => {
    const r = relDiff([1, 0], [0, 1]);
    expect(r.rel).toBeCloseTo(Math.SQRT2, 12);
    expect(r.cos).toBe(0);
    expect(relDiff([2, 4], [1, 2])).toEqual({ rel: 1, cos: 1 });
  });

  it('a small layer: f16 weights edited in f32 hit v* like f32; re-rounding to f16 misses it by far more', async () => {
    const be = createCpuF32Backend();
    try {
      const r = await layer7b(be, { hidden: 64, intermediate: 172, vocab: 256, seed: 3 });
      // f16 keeps 11 significant bits: the weights move by ~2^-12 relative; ΔW ∝ v* − W k* moves by the
      // error of W k* over ‖δ‖ (r16 − r32 = (W32 − W16) k*, ‖r32‖ = ‖δ‖)
      expect(r.weightRounding).toBeGreaterThan(5e-5);
      expect(r.weightRounding).toBeLessThan(5e-4);
      expect(r.deltaW.rel / (r.wkRel / r.deltaOverWk)).toBeCloseTo(1, 2);
      const ours = r.variants['f16 (edited in f32)'];
      const rounded = r.variants['f16 re-rounded'];
      expect(ours.outErr).toBeLessThan(1e-4);
      expect(rounded.outErr).toBeGreaterThan(10 * ours.outErr);
      expect(Math.abs(ours.pAtKey - r.variants.f32.pAtKey)).toBeLessThan(1e-3);
      expect(r.variants.f32.pAtKey).toBeGreaterThan(0.2);
      expect(r.pre.pAtKey).toBeLessThan(0.05);
    } finally {
      be.dispose();
    }
  });
});
