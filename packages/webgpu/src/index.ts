/**
 * `@crossedit/webgpu`: the Dawn-backed WebGPU backend of crossedit (npm `webgpu`), with WGSL kernels for
 * every kernel of `@crossedit/core`, a buffer pool, a pipeline cache and batched dispatch.
 *
 * @packageDocumentation
 */
export { createWebGpuBackend, WebGpuBackend, type WebGpuBackendOptions } from './backend.js';
export { probeWebGpu, acquireDevice, missingAdapterMessage, type ProbeResult, type AdapterSummary, type DeviceOptions } from './device.js';
export { BufferPool, sizeClass, type PoolStats } from './buffer-pool.js';
export { PipelineCache } from './pipeline-cache.js';
export { layoutUniforms, packUniforms, uniform, type UniformField, type UniformType, type UniformLayout } from './uniforms.js';
export { buildProgram, type ProgramDesc, type BindingDecl } from './program.js';
export type { GpuContext, GpuCaps } from './context.js';
export type { GpuStorage } from './storage.js';
export { GPU_KERNELS, bindKernels } from './kernels/index.js';
export { planMatMul, matmulGeometry, DOT4_MIN_WORK, type MatMulPlan } from './kernels/MatMul.js';
