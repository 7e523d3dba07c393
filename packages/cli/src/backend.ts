/** Backend selection: `auto` tries WebGPU and falls back to the CPU reference with a one-line warning. */
import { ConfigurationError, type Backend } from '@crossedit/core';
import { createCpuBackend } from '@crossedit/cpu';

/** The WebGPU backend, imported only when chosen (the module loads the Dawn binary). */
async function createWebGpuBackend(): Promise<Backend> {
  const { createWebGpuBackend: create } = await import('@crossedit/webgpu');
  return create();
}

/** Which backend to use. */
export type BackendKind = 'auto' | 'webgpu' | 'cpu';

/** Creates a backend; `auto` falls back to CPU when no WebGPU adapter exists, warning once on stderr. */
export async function createBackend(kind: BackendKind = 'auto', warn: (msg: string) => void = (m) => process.stderr.write(`${m}\n`)): Promise<Backend> {
  if (kind === 'cpu') return createCpuBackend();
  if (kind === 'webgpu') return createWebGpuBackend();
  try {
    return await createWebGpuBackend();
  } catch (e) {
    const first = String((e as Error).message ?? e).split('\n')[0];
    warn(`warning: WebGPU unavailable (${first}); using the CPU reference backend`);
    return createCpuBackend();
  }
}

/** Parses a `--backend` value. */
export function parseBackendKind(v: string | undefined): BackendKind {
  if (v === undefined) return 'auto';
  if (v === 'auto' || v === 'webgpu' || v === 'cpu') return v;
  throw new UsageError(`--backend must be auto, webgpu or cpu (got '${v}')`);
}

/** An error in how the command was called (exit code 2). */
export class UsageError extends ConfigurationError {
  override name = 'UsageError';
}
