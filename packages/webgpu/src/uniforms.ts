/**
 * Uniform packing: the one place that knows WGSL's host-shareable layout rules for the uniform
 * address space. Every program declares its uniforms as a list of typed fields; {@link layoutUniforms}
 * computes offsets and the struct declaration, {@link packUniforms} writes the values.
 *
 * Rules implemented (WGSL spec, "Alignment and Size", uniform address space):
 * - `u32`, `i32`, `f32`: size 4, align 4.
 * - `vec2<T>`: size 8, align 8. `vec4<T>`: size 16, align 16. (`vec3` is not offered: its 12-byte size
 *   with 16-byte alignment is a classic source of bugs, and no program needs it.)
 * - `array<vec4<T>, N>`: element stride 16 (uniform arrays need a stride that is a multiple of 16),
 *   align 16, size 16·N.
 * - The struct's alignment is the largest member alignment, and in the uniform address space at least
 *   16; its size is rounded up to a multiple of that alignment.
 */

/** Scalar component types a uniform field may have. */
export type UniformScalar = 'u32' | 'i32' | 'f32';

/** A uniform field type. `vec4array` is `array<vec4<T>, length>`. */
export type UniformType =
  | { kind: 'scalar'; of: UniformScalar }
  | { kind: 'vec2'; of: UniformScalar }
  | { kind: 'vec4'; of: UniformScalar }
  | { kind: 'vec4array'; of: UniformScalar; length: number };

/** One uniform: its name in WGSL (`u.<name>`), type, and host value(s). */
export interface UniformField {
  readonly name: string;
  readonly type: UniformType;
  /** One number for scalars; 2 / 4 / 4·length numbers for vectors and arrays. */
  readonly value: number | readonly number[];
}

/** Where each field sits, the struct's WGSL declaration, and its byte size. */
export interface UniformLayout {
  readonly offsets: readonly number[];
  readonly size: number;
  readonly wgsl: string;
}

/** Shorthand constructors for fields. */
export const uniform = {
  u32: (name: string, value: number): UniformField => ({ name, type: { kind: 'scalar', of: 'u32' }, value }),
  i32: (name: string, value: number): UniformField => ({ name, type: { kind: 'scalar', of: 'i32' }, value }),
  f32: (name: string, value: number): UniformField => ({ name, type: { kind: 'scalar', of: 'f32' }, value }),
  vec4f32Array: (name: string, values: readonly number[]): UniformField => {
    const length = Math.max(1, Math.ceil(values.length / 4));
    const padded = [...values, ...new Array<number>(length * 4 - values.length).fill(0)];
    return { name, type: { kind: 'vec4array', of: 'f32', length }, value: padded };
  },
};

function alignSize(t: UniformType): { align: number; size: number; count: number } {
  switch (t.kind) {
    case 'scalar':
      return { align: 4, size: 4, count: 1 };
    case 'vec2':
      return { align: 8, size: 8, count: 2 };
    case 'vec4':
      return { align: 16, size: 16, count: 4 };
    case 'vec4array':
      if (!Number.isInteger(t.length) || t.length < 1) throw new RangeError(`uniform array length must be a positive integer, got ${t.length}`);
      return { align: 16, size: 16 * t.length, count: 4 * t.length };
  }
}

function wgslType(t: UniformType): string {
  switch (t.kind) {
    case 'scalar':
      return t.of;
    case 'vec2':
      return `vec2<${t.of}>`;
    case 'vec4':
      return `vec4<${t.of}>`;
    case 'vec4array':
      return `array<vec4<${t.of}>, ${t.length}>`;
  }
}

const roundUp = (x: number, a: number): number => Math.ceil(x / a) * a;

/** Computes offsets and the `struct Uniforms` declaration for `fields` (in declaration order). */
export function layoutUniforms(fields: readonly UniformField[]): UniformLayout {
  const offsets: number[] = [];
  let off = 0;
  let structAlign = 16;
  const names = new Set<string>();
  const lines: string[] = [];
  for (const f of fields) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(f.name) || names.has(f.name)) {
      throw new Error(`uniform field name '${f.name}' is not a fresh WGSL identifier`);
    }
    names.add(f.name);
    const { align, size } = alignSize(f.type);
    structAlign = Math.max(structAlign, align);
    off = roundUp(off, align);
    offsets.push(off);
    lines.push(`  ${f.name}: ${wgslType(f.type)},`);
    off += size;
  }
  if (fields.length === 0) lines.push('  _unused: u32,');
  const size = roundUp(Math.max(off, 4), structAlign);
  return { offsets, size, wgsl: `struct Uniforms {\n${lines.join('\n')}\n}` };
}

/**
 * Packs field values at the offsets of {@link layoutUniforms}. `u32` values must be integers in
 * [0, 2^32), `i32` in [-2^31, 2^31); `f32` values are rounded to single precision.
 */
export function packUniforms(fields: readonly UniformField[], layout: UniformLayout = layoutUniforms(fields)): ArrayBuffer {
  const buf = new ArrayBuffer(layout.size);
  writeUniforms(new DataView(buf), 0, fields, layout);
  return buf;
}

/**
 * Writes field values at `base` + the offsets of `layout` (a layout computed once for these fields'
 * names and types) into `view`: {@link packUniforms} without the allocation, for the dispatch path.
 * Same checks and errors.
 */
export function writeUniforms(view: DataView, base: number, fields: readonly UniformField[], layout: UniformLayout): void {
  if (fields.length !== layout.offsets.length) throw new RangeError(`uniforms: ${fields.length} fields for a layout of ${layout.offsets.length}`);
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i];
    const t = f.type;
    const at0 = base + layout.offsets[i];
    if (typeof f.value === 'number') {
      if (t.kind !== 'scalar') throw new RangeError(`uniform '${f.name}' needs ${alignSize(t).count} values, got 1`);
      writeOne(view, at0, f.name, t.of, f.value);
      continue;
    }
    const values = f.value;
    const { count } = alignSize(t);
    if (values.length !== count) throw new RangeError(`uniform '${f.name}' needs ${count} values, got ${values.length}`);
    for (let j = 0; j < values.length; j++) writeOne(view, at0 + 4 * j, f.name, t.of, values[j]);
  }
}

function writeOne(view: DataView, at: number, name: string, of: UniformScalar, v: number): void {
  switch (of) {
    case 'u32':
      if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`uniform '${name}' = ${v} is not a u32`);
      view.setUint32(at, v, true);
      break;
    case 'i32':
      if (!Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff) throw new RangeError(`uniform '${name}' = ${v} is not an i32`);
      view.setInt32(at, v, true);
      break;
    case 'f32':
      view.setFloat32(at, v, true);
      break;
  }
}
