/**
 * `@crossedit/cpu`: the reference backend in plain TypeScript. `f32` tensors are stored and computed in
 * float64; it is the oracle for tests and the fallback when no WebGPU adapter exists.
 *
 * @packageDocumentation
 */
export { CpuBackend, createCpuBackend, type CpuBackendOptions } from './backend.js';
export { HostBackend, type KernelTime } from './host-backend.js';
export { CpuStorage, alloc, broadcastIndex, type CpuArray, type HostTensor } from './storage.js';
export { CPU_KERNELS, HOST_KERNELS, adapt, type HostKernel } from './kernels/index.js';
export { matmulImpl, matmulGeometry, type MatmulGeometry } from './kernels/MatMul.js';
export { ropeImpl } from './kernels/Rope.js';
export { rmsNormImpl, rmsNormGradImpl } from './kernels/RmsNorm.js';
export { softmaxImpl, logSoftmaxImpl, softmaxGradImpl } from './kernels/Softmax.js';
export { softmaxNllImpl, softmaxNllGradImpl } from './kernels/SoftmaxNll.js';
export { attentionImpl, attentionGradImpl, attentionDims, type AttentionDims } from './kernels/Attention.js';
export { topkImpl } from './kernels/TopK.js';
export { unaryImpl, sigmoidScalar, UNARY_F32, UNARY_I32 } from './kernels/Unary.js';
export { BINARY_F32, BINARY_I32 } from './kernels/Binary.js';
export { toI32 } from './kernels/Cast.js';
export { swigluImpl, swigluGradImpl } from './kernels/SwiGLU.js';
export { CpuF32Backend, createCpuF32Backend } from './f32/backend.js';
export type { F32Array, F32Storage } from './f32/kernels.js';
