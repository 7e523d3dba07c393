/** Test helpers: shared backends, seeded data, tolerance comparison (not part of the published package). */
import type { Backend } from '@crossedit/core';
import { closeReport, type Tol } from '@crossedit/cpu/conformance';
import { createCpuBackend } from '@crossedit/cpu';
import { expect } from 'vitest';
import { createWebGpuBackend, type WebGpuBackend, type WebGpuBackendOptions } from '../index.js';

/** Both backends of a suite. */
export interface Pair {
  gpu: WebGpuBackend;
  cpu: Backend;
}

/** Creates the WebGPU backend (it must exist: CI runs on lavapipe and nothing is skipped) and a CPU one. */
export async function backends(opts?: WebGpuBackendOptions): Promise<Pair> {
  return { gpu: await createWebGpuBackend(opts), cpu: createCpuBackend() };
}

export { freshSeed, gens, hostData, type Gen, type Tol } from '@crossedit/cpu/conformance';

/** Compares GPU output with the CPU reference (`closeReport`) and fails the test on the first miss. Returns the worst ratio err/allowed. */
export function expectAllClose(gpu: ArrayLike<number>, cpu: ArrayLike<number>, tol: Tol, what: string): number {
  const r = closeReport(gpu, cpu, tol, what);
  if (r.failure) expect.fail(r.failure);
  return r.worst;
}
