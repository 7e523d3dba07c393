/** The uniform layout follows WGSL's alignment rules; values are packed at those offsets. */
import { describe, expect, it } from 'vitest';
import { layoutUniforms, packUniforms, uniform, type UniformField } from './uniforms.js';

describe('layoutUniforms', () => {
  it('packs scalars at 4-byte steps and rounds the struct to 16 bytes', () => {
    const l = layoutUniforms([uniform.u32('a', 1), uniform.i32('b', -2), uniform.f32('c', 0.5)]);
    expect(l.offsets).toEqual([0, 4, 8]);
    expect(l.size).toBe(16);
    expect(l.wgsl).toContain('a: u32,');
    expect(l.wgsl).toContain('b: i32,');
    expect(l.wgsl).toContain('c: f32,');
  });

  it('aligns vec2 to 8, vec4 and vec4 arrays to 16', () => {
    const fields: UniformField[] = [
      uniform.u32('n', 3),
      { name: 'v2', type: { kind: 'vec2', of: 'f32' }, value: [1, 2] },
      uniform.u32('m', 4),
      { name: 'v4', type: { kind: 'vec4', of: 'u32' }, value: [1, 2, 3, 4] },
      uniform.f32('after', 7),
      uniform.vec4f32Array('table', [1, 2, 3, 4, 5]),
      uniform.u32('tail', 9),
    ];
    const l = layoutUniforms(fields);
    // n@0, v2@8 (align 8), m@16, v4@32 (align 16), after@48, table@64 (align 16, 2 vec4 = 32 bytes), tail@96
    expect(l.offsets).toEqual([0, 8, 16, 32, 48, 64, 96]);
    expect(l.size).toBe(112);
    expect(l.wgsl).toContain('table: array<vec4<f32>, 2>,');
  });

  it('an empty struct still has a member and 16 bytes', () => {
    const l = layoutUniforms([]);
    expect(l.size).toBe(16);
    expect(l.wgsl).toContain('_unused');
  });

  it('rejects duplicate and non-identifier names', () => {
    expect(() => layoutUniforms([uniform.u32('a', 1), uniform.u32('a', 2)])).toThrow(/not a fresh WGSL identifier/);
    expect(() => layoutUniforms([uniform.u32('1x', 1)])).toThrow(/not a fresh WGSL identifier/);
  });
});

describe('packUniforms', () => {
  it('writes little-endian values at the layout offsets (vec4 arrays zero-padded)', () => {
    const fields = [uniform.u32('n', 0xfffffffe), uniform.i32('k', -5), uniform.f32('eps', 1e-5), uniform.vec4f32Array('t', [0.5, -1, 2, 3, 4])];
    const buf = packUniforms(fields);
    const dv = new DataView(buf);
    expect(buf.byteLength).toBe(48);
    expect(dv.getUint32(0, true)).toBe(0xfffffffe);
    expect(dv.getInt32(4, true)).toBe(-5);
    expect(dv.getFloat32(8, true)).toBe(Math.fround(1e-5));
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((i) => dv.getFloat32(16 + 4 * i, true))).toEqual([0.5, -1, 2, 3, 4, 0, 0, 0]);
  });

  it('keeps infinities in f32 fields', () => {
    const dv = new DataView(packUniforms([uniform.f32('x', -Infinity)]));
    expect(dv.getFloat32(0, true)).toBe(-Infinity);
  });

  it('rejects out-of-range integers and wrong value counts, naming the field', () => {
    expect(() => packUniforms([uniform.u32('n', -1)])).toThrow(/'n' = -1 is not a u32/);
    expect(() => packUniforms([uniform.u32('n', 2 ** 32)])).toThrow(/not a u32/);
    expect(() => packUniforms([uniform.i32('k', 2 ** 31)])).toThrow(/not an i32/);
    expect(() => packUniforms([uniform.u32('n', 1.5)])).toThrow(/not a u32/);
    expect(() => packUniforms([{ name: 'v', type: { kind: 'vec4', of: 'f32' }, value: [1, 2] }])).toThrow(/'v' needs 4 values, got 2/);
  });
});
