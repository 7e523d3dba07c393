/**
 * `@crossedit/cpu/conformance`: the kernel and gradient cases every backend is checked against this
 * package's float64 reference with, and their seeded data and tolerance helpers (used by the test
 * suites of `@crossedit/webgpu` and of the f32 CPU backend; free of any test runner).
 *
 * @packageDocumentation
 */
export { closeReport, freshSeed, gens, hostData, type Gen, type Tol } from './data.js';
export { ALL_KERNELS, EW, KERNEL_CASES, executeCase, hashName, type CaseInput, type KernelCase } from './kernel-cases.js';
export { GRAD_CASES, gradsOn, type GradCase, type GradInput } from './grad-cases.js';
export { SHARD_CASES, SHARD_LIMIT, runShardCase, type ShardCase, type ShardRun } from './shard-cases.js';
