/** Choosing the weight dtype (`--dtype`), describing it, and the f32 matrix an edit changes. */
import { describe, expect, it } from 'vitest';
import type { Backend } from './backend.js';
import { editableWeight, resolveWeightDType, weightDTypeFor } from './weight-dtype.js';

const be = (name: string, f16?: 'native' | 'widened') => ({ name, f16 }) as unknown as Backend;
const gpu = be('webgpu', 'native');
const noF16Gpu = be('webgpu');
const cpu = be('cpu', 'widened');

describe('resolveWeightDType', () => {
  it('auto: f16 only for half-precision checkpoints on a backend with native f16', () => {
    expect(resolveWeightDType('auto', ['f16', 'f16'], gpu)).toEqual({ dtype: 'f16', reason: 'f16 (auto: checkpoint stored in f16, webgpu has shader-f16)' });
    expect(resolveWeightDType(undefined, ['bf16', 'f16'], gpu).dtype).toBe('f16');
    expect(resolveWeightDType('auto', ['f16', 'f32'], gpu)).toEqual({ dtype: 'f32', reason: 'f32 (auto: checkpoint stored in f16+f32)' });
    expect(resolveWeightDType('auto', [], gpu).reason).toBe('f32 (auto: no checkpoint dtype)');
    expect(resolveWeightDType('auto', ['f16'], cpu)).toEqual({ dtype: 'f32', reason: 'f32 (auto: cpu has no native f16)' });
    expect(resolveWeightDType('auto', ['f16'], noF16Gpu)).toEqual({ dtype: 'f32', reason: 'f32 (auto: webgpu has no shader-f16)' });
  });

  it('explicit choices: f32 always; f16 widened on the CPU, refused without f16 support; unknown values refused', () => {
    expect(resolveWeightDType('f32', ['f16'], gpu).dtype).toBe('f32');
    expect(resolveWeightDType('f16', ['f32'], cpu)).toEqual({ dtype: 'f16', reason: 'f16 (requested; cpu holds it widened)' });
    expect(() => resolveWeightDType('f16', ['f16'], noF16Gpu)).toThrow(/backend 'webgpu' cannot hold f16 tensors.*--dtype f32/);
    expect(() => resolveWeightDType('bf16' as never, [], gpu)).toThrow(/--dtype: expected one of auto, f32, f16, got 'bf16'/);
  });

  it('only matrices take f16; an f32 weight is edited in place', () => {
    expect(weightDTypeFor('f16', [8, 4])).toBe('f16');
    expect(weightDTypeFor('f16', [8])).toBe('f32');
    expect(weightDTypeFor('f32', [8, 4])).toBe('f32');
    const w = { dtype: 'f32' } as never;
    expect(editableWeight(w)).toBe(w);
  });
});
