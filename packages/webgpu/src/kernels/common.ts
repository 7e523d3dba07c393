/**
 * Building blocks shared by the kernels: a broadcasting elementwise program generator, a strided
 * copy, and a fill. Every output element is written by exactly one invocation.
 */
import { broadcastStrides, sizeOf, stridesOf, type DType, type TensorInfo } from '@crossedit/core';
import { collapseDims, ELEMENTWISE_WG, grid, linearIndex, LINEAR_PARAMS, offsetsCode, wgslScalar } from '../codegen.js';
import type { GpuContext } from '../context.js';
import type { BindingDecl } from '../program.js';
import type { GpuStorage } from '../storage.js';
import { uniform, type UniformField } from '../uniforms.js';
import type { GpuTensor } from './types.js';

/** WGSL helpers for IEEE special values computed at run time (const-expressions may not be inf/NaN). */
export const SPECIAL_VALUES = `
var<private> k_inf_bits: u32 = 0x7f800000u;
var<private> k_nan_bits: u32 = 0x7fc00000u;
fn f32_inf() -> f32 { return bitcast<f32>(k_inf_bits); }
fn f32_nan() -> f32 { return bitcast<f32>(k_nan_bits); }
`;

/** The 1-D dispatch for `n` invocations of workgroup size `wg`. */
export function grid1d(ctx: GpuContext, n: number, wg = ELEMENTWISE_WG): [number, number, number] {
  return grid(Math.ceil(n / wg), ctx.caps.maxWorkgroupsPerDim);
}

/** An input of {@link elementwise}: the tensor and the name its loaded value has in the expression. */
export interface EwInput {
  readonly t: GpuTensor;
  readonly name: string;
}

/**
 * Runs `y = expr(inputs...)` with numpy broadcasting of every input to `out.shape`. Inside `expr`
 * each input's element is the WGSL value named by its `name`; `helpers` is extra WGSL (functions).
 */
export function elementwise(
  ctx: GpuContext,
  name: string,
  inputs: readonly EwInput[],
  out: TensorInfo,
  expr: string,
  helpers = '',
): GpuStorage {
  const y = ctx.alloc(out);
  const n = sizeOf(out.shape);
  if (n === 0) return y;
  const strides = inputs.map((x) => broadcastStrides(x.t.shape, out.shape));
  const c = collapseDims(out.shape, strides);
  const offs = inputs.map((_, k) => `o${k}`);
  const idx = offsetsCode('i', c.shape, c.strides, offs);
  const bindings: BindingDecl[] = [
    ...inputs.map((x, k): BindingDecl => ({ name: `X${k}`, elem: wgslScalar(x.t.dtype), access: 'read' })),
    { name: 'Y', elem: wgslScalar(out.dtype), access: 'read_write' },
  ];
  const loads = inputs.map((x, k) => `let ${x.name} = X${k}[o${k}];`).join(' ');
  const body = `${helpers}
@compute @workgroup_size(${ELEMENTWISE_WG})
fn main(${LINEAR_PARAMS}) {
  ${linearIndex(ELEMENTWISE_WG)}
  if (i >= u.n) { return; }
  ${idx.code}
  ${loads}
  Y[i] = ${expr};
}`;
  ctx.dispatch({ name, bindings, uniforms: [uniform.u32('n', n), ...idx.uniforms], body }, [...inputs.map((x) => x.t.storage), y], grid1d(ctx, n));
  return y;
}

/**
 * `y[i] = x[base + sum_j c_j * strides[j]]` for the coordinates `c` of `i` in `outShape`, optionally
 * converting the element (`convert` wraps the loaded value `v`). Used by Transpose, Slice, Reshape, Cast.
 */
export function stridedCopy(
  ctx: GpuContext,
  name: string,
  x: GpuTensor,
  out: TensorInfo,
  strides: readonly number[],
  base: number,
  convert = 'v',
): GpuStorage {
  const y = ctx.alloc(out);
  const n = sizeOf(out.shape);
  if (n === 0) return y;
  const c = collapseDims(out.shape, [strides]);
  const idx = offsetsCode('i', c.shape, c.strides, ['o']);
  const body = `
@compute @workgroup_size(${ELEMENTWISE_WG})
fn main(${LINEAR_PARAMS}) {
  ${linearIndex(ELEMENTWISE_WG)}
  if (i >= u.n) { return; }
  ${idx.code}
  let v = X[u.base + o];
  Y[i] = ${convert};
}`;
  ctx.dispatch(
    {
      name,
      bindings: [
        { name: 'X', elem: wgslScalar(x.dtype), access: 'read' },
        { name: 'Y', elem: wgslScalar(out.dtype), access: 'read_write' },
      ],
      uniforms: [uniform.u32('n', n), uniform.u32('base', base), ...idx.uniforms],
      body,
    },
    [x.storage, y],
    grid1d(ctx, n),
  );
  return y;
}

/** The 32-bit pattern of `value` stored as `dtype`. */
export function valueBits(value: number, dtype: DType): number {
  const dv = new DataView(new ArrayBuffer(4));
  if (dtype === 'i32') dv.setInt32(0, value, true);
  else dv.setFloat32(0, value, true);
  return dv.getUint32(0, true);
}

/** Writes `value` into the first `n` elements of `y` (any dtype; exact bits, so ±inf and NaN work). */
export function fillStorage(ctx: GpuContext, y: GpuStorage, n: number, value: number, dtype: DType): void {
  if (n === 0) return;
  const body = `
@compute @workgroup_size(${ELEMENTWISE_WG})
fn main(${LINEAR_PARAMS}) {
  ${linearIndex(ELEMENTWISE_WG)}
  if (i >= u.n) { return; }
  Y[i] = u.bits;
}`;
  ctx.dispatch(
    { name: 'Fill', bindings: [{ name: 'Y', elem: 'u32', access: 'read_write' }], uniforms: [uniform.u32('n', n), uniform.u32('bits', valueBits(value, dtype))], body },
    [y],
    grid1d(ctx, n),
  );
}

/** Row-major strides (re-exported for kernels). */
export { stridesOf };
/** Uniform field type (re-exported for kernels). */
export type { UniformField };
