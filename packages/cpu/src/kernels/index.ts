/**
 * The CPU kernel table. Each kernel is a pure {@link HostKernel} in its own file; {@link adapt} turns it
 * into a {@link KernelImpl} on {@link CpuStorage} handles. The `KernelImpls` type makes a missing kernel a
 * compile error.
 */
import type { BackendTensor, KernelImpl, KernelImpls, KernelInputs, KernelName } from '@crossedit/core';
import { CpuStorage, type HostTensor } from '../storage.js';
import { AdamStep } from './AdamStep.js';
import { ArgReduce } from './ArgReduce.js';
import { Binary } from './Binary.js';
import { Cast } from './Cast.js';
import { Concat } from './Concat.js';
import { Fill } from './Fill.js';
import { Gather } from './Gather.js';
import type { HostKernel } from './kernel.js';
import { MatMul } from './MatMul.js';
import { Pad } from './Pad.js';
import { PickLast } from './PickLast.js';
import { PutLast } from './PutLast.js';
import { Reduce } from './Reduce.js';
import { Reshape } from './Reshape.js';
import { RmsNorm, RmsNormGrad } from './RmsNorm.js';
import { Rope } from './Rope.js';
import { ScatterAdd } from './ScatterAdd.js';
import { Slice } from './Slice.js';
import { SwiGLU, SwiGLUGrad } from './SwiGLU.js';
import { LogSoftmax, Softmax, SoftmaxGrad } from './Softmax.js';
import { SoftmaxNll, SoftmaxNllGrad } from './SoftmaxNll.js';
import { Attention, AttentionGrad } from './Attention.js';
import { TopK } from './TopK.js';
import { Transpose } from './Transpose.js';
import { Unary } from './Unary.js';
import { Where } from './Where.js';

export type { HostKernel } from './kernel.js';

function host(t: BackendTensor<CpuStorage>): HostTensor {
  return { data: t.storage.data, shape: t.shape, dtype: t.dtype };
}

/** Wraps a pure host kernel as a backend kernel on {@link CpuStorage}. */
export function adapt<K extends KernelName>(kernel: HostKernel<K>): KernelImpl<K, CpuStorage> {
  return (inputs, attrs, outputs) => {
    const hin: Record<string, HostTensor | HostTensor[]> = {};
    for (const [k, v] of Object.entries(inputs as Record<string, BackendTensor<CpuStorage> | BackendTensor<CpuStorage>[]>)) {
      hin[k] = Array.isArray(v) ? v.map(host) : host(v);
    }
    return kernel(hin as unknown as KernelInputs<K, HostTensor>, attrs, outputs).map((d) => new CpuStorage(d));
  };
}

/** Every kernel as a pure host function, keyed by kernel name. */
export const HOST_KERNELS: { readonly [K in KernelName]: HostKernel<K> } = {
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

/** The CPU backend's kernel table. */
export const CPU_KERNELS: KernelImpls<CpuStorage> = {
  Unary: adapt(Unary),
  Binary: adapt(Binary),
  Where: adapt(Where),
  Reduce: adapt(Reduce),
  ArgReduce: adapt(ArgReduce),
  Softmax: adapt(Softmax),
  LogSoftmax: adapt(LogSoftmax),
  RmsNorm: adapt(RmsNorm),
  Rope: adapt(Rope),
  MatMul: adapt(MatMul),
  Gather: adapt(Gather),
  ScatterAdd: adapt(ScatterAdd),
  PickLast: adapt(PickLast),
  PutLast: adapt(PutLast),
  Transpose: adapt(Transpose),
  Slice: adapt(Slice),
  Pad: adapt(Pad),
  Concat: adapt(Concat),
  Reshape: adapt(Reshape),
  Cast: adapt(Cast),
  Fill: adapt(Fill),
  TopK: adapt(TopK),
  SwiGLU: adapt(SwiGLU),
  SwiGLUGrad: adapt(SwiGLUGrad),
  RmsNormGrad: adapt(RmsNormGrad),
  SoftmaxGrad: adapt(SoftmaxGrad),
  SoftmaxNll: adapt(SoftmaxNll),
  SoftmaxNllGrad: adapt(SoftmaxNllGrad),
  Attention: adapt(Attention),
  AttentionGrad: adapt(AttentionGrad),
  AdamStep: adapt(AdamStep),
};
