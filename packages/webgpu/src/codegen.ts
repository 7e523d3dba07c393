/**
 * Shared WGSL snippets and index arithmetic: dispatch grids that get past the 65535-workgroups-per-
 * dimension limit, linear invocation indices, and the coordinate → offset code used by every
 * broadcasting or strided kernel (with adjacent dimensions merged first, so most calls index a 1-D
 * or 2-D space).
 */
import type { DType } from '@crossedit/core';
import { uniform, type UniformField } from './uniforms.js';

/** The WGSL scalar type of a dtype (`f16` needs the `shader-f16` feature; programs enable it themselves). */
export function wgslScalar(dtype: DType): 'f32' | 'i32' | 'f16' {
  return dtype;
}

/** WGSL that widens a loaded element of `dtype` to f32 (identity for f32). */
export function widenF32(dtype: DType, expr: string, vec4 = false): string {
  return dtype === 'f16' ? (vec4 ? `vec4<f32>(${expr})` : `f32(${expr})`) : expr;
}

/**
 * Splits `n` workgroups over x and y so that neither exceeds `maxPerDim`; the shader recovers the
 * linear workgroup index as `wid.x + wid.y * nwg.x` (it must also guard against the overshoot).
 */
export function grid(n: number, maxPerDim = 65535): [number, number, number] {
  if (n <= maxPerDim) return [Math.max(1, n), 1, 1];
  const y = Math.ceil(n / maxPerDim);
  if (y > maxPerDim) throw new RangeError(`dispatch of ${n} workgroups exceeds ${maxPerDim}^2`);
  return [Math.ceil(n / y), y, 1];
}

/** Entry-point parameters for a 1-D kernel whose invocation index is `i` (see {@link linearIndex}). */
export const LINEAR_PARAMS = '@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32, @builtin(num_workgroups) nwg: vec3<u32>';

/** `let i = ...;` the linear invocation index of a 1-D kernel of workgroup size `wg`. */
export function linearIndex(wg: number, name = 'i'): string {
  return `let ${name} = (wid.x + wid.y * nwg.x) * ${wg}u + lid;`;
}

/** `let w = ...;` the linear workgroup index (for one-workgroup-per-row kernels). */
export function linearWorkgroup(name = 'row'): string {
  return `let ${name} = wid.x + wid.y * nwg.x;`;
}

/** Default workgroup size of elementwise kernels. */
export const ELEMENTWISE_WG = 256;

/**
 * Merges adjacent dimensions that every stride list walks contiguously (`s[j] == s[j+1] * d[j+1]`,
 * which includes two broadcast dimensions), and drops extent-1 dimensions. Returns the reduced shape
 * and the strides of each list in it.
 */
export function collapseDims(shape: readonly number[], strides: readonly (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const dims: number[] = [];
  const st: number[][] = strides.map(() => []);
  for (let j = 0; j < shape.length; j++) {
    if (shape[j] === 1) continue;
    const last = dims.length - 1;
    if (last >= 0 && strides.every((s, k) => st[k][last] === s[j] * shape[j])) {
      dims[last] *= shape[j];
      strides.forEach((s, k) => (st[k][last] = s[j]));
    } else {
      dims.push(shape[j]);
      strides.forEach((s, k) => st[k].push(s[j]));
    }
  }
  return { shape: dims, strides: st };
}

/**
 * Code and uniforms that turn a linear index over `shape` into one offset per stride list:
 * declares `var <offName[k]>: u32` for each list. Uniforms are named `<prefix>d<j>` for extents and
 * `<prefix><offName>_<j>` for strides.
 */
export function offsetsCode(
  index: string,
  shape: readonly number[],
  strides: readonly (readonly number[])[],
  offNames: readonly string[],
  prefix = 'g',
): { code: string; uniforms: UniformField[] } {
  const r = shape.length;
  const uniforms: UniformField[] = [];
  const lines: string[] = offNames.map((o) => `var ${o} = 0u;`);
  if (r > 0) lines.push(`var rem_${prefix} = ${index};`);
  for (let j = r - 1; j >= 0; j--) {
    uniforms.push(uniform.u32(`${prefix}d${j}`, shape[j]));
    const c = j === 0 ? `rem_${prefix}` : `rem_${prefix} % u.${prefix}d${j}`;
    const adds = offNames
      .map((o, k) => {
        uniforms.push(uniform.u32(`${prefix}${o}_${j}`, strides[k][j]));
        return ` ${o} += c * u.${prefix}${o}_${j};`;
      })
      .join('');
    lines.push(`{ let c = ${c};${adds}${j > 0 ? ` rem_${prefix} = rem_${prefix} / u.${prefix}d${j};` : ''} }`);
  }
  // strides (zeros included) are uniforms: one shader per rank, not per broadcast pattern
  return { code: lines.join('\n  '), uniforms };
}
