/** The signature of a WebGPU kernel implementation. */
import type { BackendTensor, KernelAttrs, KernelInputs, KernelName, TensorInfo } from '@crossedit/core';
import type { GpuContext } from '../context.js';
import type { GpuStorage } from '../storage.js';

/** A tensor as a WebGPU kernel receives it. */
export type GpuTensor = BackendTensor<GpuStorage>;

/** One kernel: encodes its programs through `ctx` and returns the output storages. */
export type GpuKernel<K extends KernelName> = (
  ctx: GpuContext,
  inputs: KernelInputs<K, GpuTensor>,
  attrs: KernelAttrs<K>,
  outputs: readonly TensorInfo[],
) => GpuStorage[];
