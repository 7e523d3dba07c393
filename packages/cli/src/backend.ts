/**
 * Backend selection. `auto` runs small models (and every model when there is no hardware GPU: no
 * adapter, or a software one such as lavapipe) on the f32 CPU backend (WebAssembly SIMD GEMM), and the
 * rest on WebGPU; `cpu` is the float64 reference backend, `cpu-f32` and `webgpu` force those.
 */
import { ConfigurationError, type Backend, type ModelConfig } from '@crossedit/core';
import { createCpuBackend, createCpuF32Backend } from '@crossedit/cpu';
import { setProgressBackend } from './progress.js';

/** The WebGPU backend, imported only when chosen (the module loads the Dawn binary). */
async function createWebGpuBackend(): Promise<Backend> {
  const { createWebGpuBackend: create } = await import('@crossedit/webgpu');
  return create();
}

/** Whether the WebGPU adapter is a hardware one (null: no adapter, with the reason). */
async function hardwareAdapter(): Promise<{ hardware: boolean; what: string } | { none: string }> {
  const { probeWebGpu } = await import('@crossedit/webgpu');
  const p = await probeWebGpu();
  if (!p.ok) return { none: String(p.reason ?? 'no adapter').split('\n')[0] };
  const info = (p.adapter ?? {}) as { isSoftware?: boolean; description?: string; device?: string };
  return { hardware: info.isSoftware !== true, what: info.description ?? info.device ?? 'unknown adapter' };
}

/** Which backend to use. */
export type BackendKind = 'auto' | 'webgpu' | 'cpu' | 'cpu-f32';

/** The kinds `--backend` takes. */
export const BACKEND_KINDS: readonly BackendKind[] = ['auto', 'webgpu', 'cpu', 'cpu-f32'];

/**
 * Models with fewer parameters than this run on the f32 CPU backend under `auto`: their kernels are
 * too small for a GPU's launch overhead to pay off (stories260K and the embedded model edit several
 * times faster on the CPU than through WebGPU on lavapipe; see `pnpm bench methods`).
 */
export const SMALL_MODEL_PARAMS = 50_000_000;

/** The parameter count of a LLaMA-family config (embeddings, attention, MLP, norms, head). */
export function paramCount(c: ModelConfig): number {
  const dh = c.hiddenSize / c.numHeads;
  const attn = 2 * c.hiddenSize * c.hiddenSize + 2 * c.hiddenSize * dh * c.numKvHeads;
  const layer = attn + 3 * c.hiddenSize * c.intermediateSize + 2 * c.hiddenSize;
  return c.vocabSize * c.hiddenSize * (c.tieEmbeddings ? 1 : 2) + c.numLayers * layer + c.hiddenSize;
}

/** What `auto` knows about the job. */
export interface BackendHint {
  /** The model's config, when known before it is loaded. */
  config?: ModelConfig;
}

/** A created backend and why it was chosen (one line, for `info` and logs). */
export interface ChosenBackend {
  backend: Backend;
  reason: string;
}

/** Creates a backend of `kind` and says why (see the module comment for `auto`). */
export async function chooseBackend(kind: BackendKind = 'auto', hint: BackendHint = {}): Promise<ChosenBackend> {
  const chosen = await pick(kind, hint);
  setProgressBackend(chosen.backend.name);
  return chosen;
}

async function pick(kind: BackendKind, hint: BackendHint): Promise<ChosenBackend> {
  if (kind === 'cpu') return { backend: createCpuBackend(), reason: 'requested (float64 reference)' };
  if (kind === 'cpu-f32') return { backend: createCpuF32Backend(), reason: 'requested' };
  if (kind === 'webgpu') return { backend: await createWebGpuBackend(), reason: 'requested' };
  const params = hint.config ? paramCount(hint.config) : undefined;
  if (params !== undefined && params < SMALL_MODEL_PARAMS) {
    return { backend: createCpuF32Backend(), reason: `auto: small model (${fmtParams(params)} parameters < ${fmtParams(SMALL_MODEL_PARAMS)})` };
  }
  const gpu = await hardwareAdapter();
  if ('none' in gpu) return { backend: createCpuF32Backend(), reason: `auto: WebGPU unavailable (${gpu.none})` };
  if (!gpu.hardware) return { backend: createCpuF32Backend(), reason: `auto: the WebGPU adapter is software (${gpu.what})` };
  return { backend: await createWebGpuBackend(), reason: `auto: hardware adapter ${gpu.what}` };
}

function fmtParams(n: number): string {
  return n >= 1e9 ? `${(n / 1e9).toFixed(1)}B` : n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : `${(n / 1e3).toFixed(0)}K`;
}

/** Creates a backend of `kind` (see {@link chooseBackend}); `log` gets the one-line reason for `auto`. */
export async function createBackend(kind: BackendKind = 'auto', log: (msg: string) => void = (m) => process.stderr.write(`${m}\n`), hint: BackendHint = {}): Promise<Backend> {
  const { backend, reason } = await chooseBackend(kind, hint);
  if (kind === 'auto') log(`backend: ${backend.name} (${reason})`);
  return backend;
}

/** Parses a `--backend` value. */
export function parseBackendKind(v: string | undefined): BackendKind {
  if (v === undefined) return 'auto';
  if ((BACKEND_KINDS as readonly string[]).includes(v)) return v as BackendKind;
  throw new UsageError(`--backend must be ${BACKEND_KINDS.join(', ')} (got '${v}')`);
}

/** An error in how the command was called (exit code 2). */
export class UsageError extends ConfigurationError {
  override name = 'UsageError';
}
