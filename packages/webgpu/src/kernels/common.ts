/**
 * Building blocks shared by the kernels: a broadcasting elementwise program generator, a strided
 * copy, and a fill. Every output element is written by exactly one invocation.
 */
import { broadcastStrides, sizeOf, stridesOf, type DType, type TensorInfo } from '@crossedit/core';
import { collapseDims, ELEMENTWISE_WG, grid, linearIndex, LINEAR_PARAMS, offsetsCode, wgslScalar } from '../codegen.js';
import type { GpuContext } from '../context.js';
import type { BindingDecl } from '../program.js';
import { constantBits, type GpuStorage } from '../storage.js';
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

/** Small ids for the helper texts of elementwise programs (part of their program keys). */
const helperIds = new Map<string, number>();

/**
 * Runs `y = expr(inputs...)` with numpy broadcasting of every input to `out.shape`. Inside `expr`
 * each input's element is the WGSL value named by its `name`; `helpers` is extra WGSL (functions).
 * An input that is a pending constant (a `Fill` output) is not bound: its bit pattern is a uniform.
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
  const bound: EwInput[] = [];
  const uniforms: UniformField[] = [uniform.u32('n', n)];
  let sig = '';
  for (let k = 0; k < inputs.length; k++) {
    const x = inputs[k];
    const bits = constantBits(x.t.storage);
    if (bits === undefined) {
      bound.push(x);
      sig += x.t.dtype === 'i32' ? 'i' : 'f';
    } else {
      uniforms.push(uniform.u32(`c${k}`, bits));
      sig += x.t.dtype === 'i32' ? 'I' : 'F';
    }
  }
  const strides = bound.map((x) => broadcastStrides(x.t.shape, out.shape));
  const c = collapseDims(out.shape, strides);
  const idx = offsetsCode('i', c.shape, c.strides, bound.map((_, j) => `o${j}`));
  uniforms.push(...idx.uniforms);
  let hid = 0;
  if (helpers !== '') {
    hid = helperIds.get(helpers) ?? 0;
    if (hid === 0) helperIds.set(helpers, (hid = helperIds.size + 1));
  }
  const bindings: BindingDecl[] = [
    ...bound.map((x, j): BindingDecl => ({ name: `X${j}`, elem: wgslScalar(x.t.dtype), access: 'read' })),
    { name: 'Y', elem: wgslScalar(out.dtype), access: 'read_write' },
  ];
  const body = () => {
    let j = 0;
    const loads = inputs
      .map((x, k) => (sig[k] === 'f' || sig[k] === 'i' ? `let ${x.name} = X${j}[o${j++}];` : `let ${x.name} = bitcast<${wgslScalar(x.t.dtype)}>(u.c${k});`))
      .join(' ');
    return `${helpers}
@compute @workgroup_size(${ELEMENTWISE_WG})
fn main(${LINEAR_PARAMS}) {
  ${linearIndex(ELEMENTWISE_WG)}
  if (i >= u.n) { return; }
  ${idx.code}
  ${loads}
  Y[i] = ${expr};
}`;
  };
  const key = `ew|${expr}|${hid}|${inputs.map((x) => x.name).join(',')}|${sig}|${out.dtype}|${c.shape.length}`;
  ctx.dispatch({ name, key, bindings, uniforms, body }, [...bound.map((x) => x.t.storage), y], grid1d(ctx, n));
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
  const bits = constantBits(x.storage);
  // a copy of a pending constant without conversion is that constant
  if (bits !== undefined && convert === 'v' && x.dtype === out.dtype) return ctx.allocConstant(out, bits);
  const y = ctx.alloc(out);
  const n = sizeOf(out.shape);
  if (n === 0) return y;
  const c = collapseDims(out.shape, [strides]);
  const idx = offsetsCode('i', c.shape, c.strides, ['o']);
  const body = () => `
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
      key: `copy|${convert}|${x.dtype}|${out.dtype}|${c.shape.length}`,
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
  fillBits(ctx, y, n, valueBits(value, dtype));
}

const FILL_BODY = `
@compute @workgroup_size(${ELEMENTWISE_WG})
fn main(${LINEAR_PARAMS}) {
  ${linearIndex(ELEMENTWISE_WG)}
  if (i >= u.n) { return; }
  Y[i] = u.bits;
}`;
const FILL_BINDINGS: readonly BindingDecl[] = [{ name: 'Y', elem: 'u32', access: 'read_write' }];

/** Writes the 32-bit pattern `bits` into the first `n` elements of `y`. */
export function fillBits(ctx: GpuContext, y: GpuStorage, n: number, bits: number): void {
  if (n === 0) return;
  ctx.dispatch({ name: 'Fill', key: 'fill', bindings: FILL_BINDINGS, uniforms: [uniform.u32('n', n), uniform.u32('bits', bits)], body: FILL_BODY }, [y], grid1d(ctx, n));
}

/** Row-major strides (re-exported for kernels). */
export { stridesOf };
/** Uniform field type (re-exported for kernels). */
export type { UniformField };
