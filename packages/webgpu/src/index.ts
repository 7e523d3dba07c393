/** Dawn-backed WebGPU backend (npm webgpu) with WGSL kernels and linear-algebra routines. */
export {};
