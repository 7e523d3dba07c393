/** The shape of a kernel spec: validation and output inference, shared by every backend. */
import type { DType } from '../dtype.js';
import { ShapeError } from '../errors.js';
import { fmtShape, type Shape } from '../shape.js';
import type { KernelAttrs, KernelInputs, KernelName } from './defs.js';

/** What a kernel needs to know of a tensor: its shape and dtype. */
export interface TensorInfo {
  readonly shape: Shape;
  readonly dtype: DType;
}

/** A kernel's shape rule: validates inputs and attributes, returns the outputs' shapes and dtypes. */
export interface KernelSpec<K extends KernelName> {
  readonly name: K;
  infer(inputs: KernelInputs<K, TensorInfo>, attrs: KernelAttrs<K>): TensorInfo[];
}

/** Throws a ShapeError naming the kernel, what was wrong, and the input shapes. */
export function fail(kernel: string, what: string, ...infos: TensorInfo[]): never {
  const shapes = infos.map((i) => `${fmtShape(i.shape)}:${i.dtype}`).join(', ');
  throw new ShapeError(`${kernel}: ${what}${shapes ? ` (inputs ${shapes})` : ''}`);
}

/** Checks a dtype, or fails naming the kernel and the input. */
export function expectDType(kernel: string, input: string, info: TensorInfo, ...allowed: DType[]): void {
  if (!allowed.includes(info.dtype)) {
    fail(kernel, `input '${input}' must be ${allowed.join(' or ')}, got ${info.dtype}`, info);
  }
}
