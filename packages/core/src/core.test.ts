import { describe, expect, it } from 'vitest';
import { bf16ToF32, f16ToF32, f32ToBf16, f32ToF16 } from './dtype.js';
import { checkHparamsForModel, HparamError, parseHparams, parseHparamValue, type HparamSchema } from './hparams.js';
import { choleskyInPlace, choleskySolveInPlace } from './linalg.js';
import { Rng } from './random.js';
import { broadcastShapes, broadcastStrides } from './shape.js';

describe('dtype conversions', () => {
  it('round-trips representable f16 and bf16 values', () => {
    for (const v of [0, 1, -2, 0.5, 65504, 6.103515625e-5, 5.960464477539063e-8, -0.333251953125]) {
      expect(f16ToF32(f32ToF16(v))).toBe(v);
    }
    for (const v of [0, 1, -2, 0.5, 3.140625, -1.5e10]) {
      expect(Math.abs(bf16ToF32(f32ToBf16(v)) - v)).toBeLessThanOrEqual(Math.abs(v) * 2 ** -8);
      expect(bf16ToF32(f32ToBf16(bf16ToF32(f32ToBf16(v))))).toBe(bf16ToF32(f32ToBf16(v)));
    }
    expect(f16ToF32(f32ToF16(1e6))).toBe(Infinity);
    expect(Number.isNaN(f16ToF32(f32ToF16(NaN)))).toBe(true);
    // round to nearest even: 1 + 2^-11 is halfway between 1 and 1 + 2^-10
    expect(f16ToF32(f32ToF16(1 + 2 ** -11))).toBe(1);
  });
});

describe('shapes', () => {
  it('broadcasts numpy-style', () => {
    expect(broadcastShapes([2, 1, 3], [4, 1])).toEqual([2, 4, 3]);
    expect(broadcastShapes([2, 3], [4])).toBeNull();
    expect(broadcastStrides([4, 1], [2, 4, 3])).toEqual([0, 1, 0]);
  });
});

describe('Rng', () => {
  it('is deterministic per seed and roughly uniform / normal', () => {
    const a = new Rng(7);
    const b = new Rng(7);
    const c = new Rng(8);
    const xa = Array.from({ length: 5 }, () => a.nextU32());
    expect(Array.from({ length: 5 }, () => b.nextU32())).toEqual(xa);
    expect(Array.from({ length: 5 }, () => c.nextU32())).not.toEqual(xa);
    const r = new Rng(1);
    let s = 0;
    let s2 = 0;
    const n = 20000;
    for (let i = 0; i < n; i++) {
      const g = r.gaussian();
      s += g;
      s2 += g * g;
    }
    expect(Math.abs(s / n)).toBeLessThan(0.03);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.05);
  });
});

describe('hparams', () => {
  interface H {
    lr: number;
    layers: number[];
    fast: boolean;
  }
  const schema: HparamSchema<H> = {
    lr: { default: 0.5, doc: 'learning rate', check: (v) => (v > 0 ? null : 'must be > 0') },
    layers: { default: [5], doc: 'edited layers' },
    fast: { default: false, doc: 'skip things' },
  };
  it('layers defaults, presets and overrides', () => {
    expect(parseHparams('m', schema, { layers: [3] }, { lr: 0.1 })).toEqual({ lr: 0.1, layers: [3], fast: false });
  });
  it('rejects unknown keys, wrong types and failed checks, naming the key', () => {
    expect(() => parseHparams('rome', schema, { lrr: 1 })).toThrow(/rome: unknown hyperparameter 'lrr'/);
    expect(() => parseHparams('rome', schema, { lr: '1' })).toThrow(HparamError);
    expect(() => parseHparams('rome', schema, { lr: -1 })).toThrow(/'lr': must be > 0/);
  });
  it('parses command-line values', () => {
    expect(parseHparamValue('3')).toBe(3);
    expect(parseHparamValue('true')).toBe(true);
    expect(parseHparamValue('[4,5]')).toEqual([4, 5]);
    expect(parseHparamValue('abc')).toBe('abc');
    expect(() => parseHparamValue('[1,', 'layers')).toThrow(/hyperparameter 'layers': "\[1," is not valid JSON/);
  });
  it('rejects non-finite numbers always, and values outside min/max/integer', () => {
    const ranged: HparamSchema<{ wd: number; steps: number; layers: number[] }> = {
      wd: { default: 0, doc: 'decay', min: 0, max: 1 },
      steps: { default: 5, doc: 'steps', integer: true, min: 1 },
      layers: { default: [1], doc: 'layers', layerIndices: true },
    };
    expect(() => parseHparams('ft', schema, { lr: Infinity })).toThrow("ft: hyperparameter 'lr': must be a finite number, got Infinity");
    expect(() => parseHparams('ft', ranged, { wd: -0.5 })).toThrow("'wd': must be >= 0, got -0.5");
    expect(() => parseHparams('ft', ranged, { wd: 2 })).toThrow("'wd': must be <= 1, got 2");
    expect(() => parseHparams('ft', ranged, { steps: 2.5 })).toThrow("'steps': must be an integer, got 2.5");
    expect(() => parseHparams('ft', ranged, { layers: [1, NaN] })).toThrow("'layers': must be a finite number, got NaN");
    expect(parseHparams('ft', ranged, { wd: 1, steps: 3 })).toEqual({ wd: 1, steps: 3, layers: [1] });
    // layer indices are checked against the loaded model
    expect(() => checkHparamsForModel('ft', ranged, { wd: 0, steps: 1, layers: [0, 4] }, { numLayers: 4 })).toThrow("ft: hyperparameter 'layers': layer 4 does not exist (the model has 4 layers, 0-3)");
    expect(() => checkHparamsForModel('ft', ranged, { wd: 0, steps: 1, layers: [0, 3] }, { numLayers: 4 })).not.toThrow();
  });
});

describe('host Cholesky', () => {
  it('solves an SPD system to float64 accuracy', () => {
    const n = 37;
    const r = 3;
    const rng = new Rng(3);
    const m = Array.from({ length: n * n }, () => rng.gaussian());
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let s = i === j ? n : 0;
        for (let k = 0; k < n; k++) s += m[i * n + k] * m[j * n + k];
        a[i * n + j] = s;
      }
    const x = Array.from({ length: n * r }, () => rng.gaussian());
    const b = new Float64Array(n * r);
    for (let i = 0; i < n; i++)
      for (let c = 0; c < r; c++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += a[i * n + k] * x[k * r + c];
        b[i * r + c] = s;
      }
    const l = choleskyInPlace(Float64Array.from(a), n);
    const sol = choleskySolveInPlace(l, n, b, r);
    for (let i = 0; i < n * r; i++) expect(sol[i]).toBeCloseTo(x[i], 9);
    expect(() => choleskyInPlace(Float64Array.from([1, 2, 2, 1]), 2)).toThrow(/not positive definite/);
  });
});
