/** The WebGPU kernel table: one implementation per kernel of core's table (a missing one is a type error). */
import type { KernelImpls, KernelName } from '@crossedit/core';
import type { GpuContext } from '../context.js';
import type { GpuStorage } from '../storage.js';
import { AdamStep } from './AdamStep.js';
import { Attention, AttentionGrad } from './Attention.js';
import { ArgReduce } from './ArgReduce.js';
import { Binary } from './Binary.js';
import { Cast } from './Cast.js';
import { Concat } from './Concat.js';
import { Fill } from './Fill.js';
import { Gather } from './Gather.js';
import { MatMul } from './MatMul.js';
import { Pad } from './Pad.js';
import { PickLast } from './PickLast.js';
import { PutLast } from './PutLast.js';
import { Reduce } from './Reduce.js';
import { Reshape } from './Reshape.js';
import { RmsNorm } from './RmsNorm.js';
import { RmsNormGrad } from './RmsNormGrad.js';
import { Rope } from './Rope.js';
import { ScatterAdd } from './ScatterAdd.js';
import { Slice } from './Slice.js';
import { SwiGLU, SwiGLUGrad } from './SwiGLU.js';
import { LogSoftmax, Softmax } from './Softmax.js';
import { SoftmaxNll, SoftmaxNllGrad } from './SoftmaxNll.js';
import { SoftmaxGrad } from './SoftmaxGrad.js';
import { TopK } from './TopK.js';
import { Transpose } from './Transpose.js';
import type { GpuKernel } from './types.js';
import { Unary } from './Unary.js';
import { Where } from './Where.js';

/** Every kernel, taking the backend context first. */
export const GPU_KERNELS: { readonly [K in KernelName]: GpuKernel<K> } = {
  Unary,
  Binary,
  Where,
  Reduce,
  ArgReduce,
  Softmax,
  LogSoftmax,
  RmsNorm,
  Rope,
  MatMul,
  Gather,
  ScatterAdd,
  PickLast,
  PutLast,
  Transpose,
  Slice,
  Pad,
  Concat,
  Reshape,
  Cast,
  Fill,
  TopK,
  SwiGLU,
  SwiGLUGrad,
  RmsNormGrad,
  SoftmaxGrad,
  SoftmaxNll,
  SoftmaxNllGrad,
  Attention,
  AttentionGrad,
  AdamStep,
};

/** The kernel table bound to a context, in core's `KernelImpls` form. */
export function bindKernels(ctx: GpuContext): KernelImpls<GpuStorage> {
  const out = {} as Record<KernelName, unknown>;
  for (const name of Object.keys(GPU_KERNELS) as KernelName[]) {
    const k = GPU_KERNELS[name] as GpuKernel<KernelName>;
    out[name] = (inputs: never, attrs: never, outputs: never) => k(ctx, inputs, attrs, outputs);
  }
  return out as unknown as KernelImpls<GpuStorage>;
}
