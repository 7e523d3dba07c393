/** The shape of a CPU kernel: a pure function of host tensors. */
import type { KernelAttrs, KernelInputs, KernelName, TensorInfo } from '@crossedit/core';
import type { CpuArray, HostTensor } from '../storage.js';

/**
 * A pure CPU kernel: reads host tensors, returns one new array per output info (it never writes its
 * inputs). The backend wraps these in storages; tests may call them directly.
 */
export type HostKernel<K extends KernelName> = (
  inputs: KernelInputs<K, HostTensor>,
  attrs: KernelAttrs<K>,
  outputs: readonly TensorInfo[],
) => CpuArray[];
