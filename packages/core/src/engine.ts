/**
 * The engine: runs kernels on the inputs' backend, wraps outputs as tensors, tracks them in `tidy`
 * scopes, and records operations on active gradient tapes. It holds no kernel code and no gradient
 * rules (those are in `kernels/` and `grad/`).
 */
import type { Backend, BackendTensor } from './backend.js';
import { bytesPerElement, F16_KERNELS, type DType, type UploadData } from './dtype.js';
import { ShapeError } from './errors.js';
import { KERNEL_SPECS } from './kernels/index.js';
import type { KernelAttrs, KernelInputs, KernelName } from './kernels/defs.js';
import type { TensorInfo } from './kernels/spec.js';
import { sizeOf, type Shape } from './shape.js';
import { liveBytes, liveTensors, Tensor, type DataRecord } from './tensor.js';
import { describeOperand, needsSharding, runSharded } from './shard/run.js';
import { shardBytes, uploadSharded } from './shard/storage.js';

/** One recorded kernel call. @internal */
export interface TapeNode {
  kernel: KernelName;
  inputs: Record<string, Tensor | Tensor[]>;
  attrs: unknown;
  outputs: Tensor[];
}

/** A gradient tape: records calls whose inputs depend on a watched tensor. @internal */
export class Tape {
  readonly tracked = new Set<number>();
  readonly nodes: TapeNode[] = [];
  /** Handles the tape keeps alive until it is released. */
  readonly kept: Tensor[] = [];
  paused = false;
}

class Scope {
  readonly tensors: Tensor[] = [];
}

const state = {
  defaultBackend: null as Backend | null,
  scopes: [] as Scope[],
  tapes: [] as Tape[],
};

/** Sets the backend used by ops that create tensors from host data. */
export function setBackend(backend: Backend): void {
  state.defaultBackend = backend;
}

/** The backend set by {@link setBackend}; throws if none is set. */
export function getBackend(): Backend {
  if (!state.defaultBackend) {
    throw new Error('no backend is set: call setBackend(await createBackend(...)) or pass { backend } to the creating op');
  }
  return state.defaultBackend;
}

function track(t: Tensor): Tensor {
  liveTensors.value++;
  const s = state.scopes[state.scopes.length - 1];
  if (s) s.tensors.push(t);
  return t;
}

function newRecord(backend: Backend, storage: unknown, info: TensorInfo): DataRecord {
  const bytes = sizeOf(info.shape) * bytesPerElement(info.dtype);
  liveBytes.value += bytes;
  return { backend, storage, bytes, refs: 1 };
}

/** Wraps host data as a tensor on `backend`. @internal (use `tensor()`) */
export function upload(backend: Backend, data: UploadData, shape: Shape, dtype: DType): Tensor {
  if (dtype === 'f16' && !backend.f16) {
    throw new ShapeError(`tensor: backend '${backend.name}' cannot hold f16 tensors (a WebGPU adapter without 'shader-f16'?); use f32`);
  }
  if (data instanceof Uint16Array && dtype !== 'f16') throw new ShapeError(`tensor: a Uint16Array holds f16 bits, but the dtype is ${dtype}`);
  if (data.length !== sizeOf(shape)) {
    throw new ShapeError(`tensor: ${data.length} values do not fill shape [${shape.join(',')}] (${sizeOf(shape)} elements)`);
  }
  const limit = backend.maxBindingBytes;
  const storage =
    limit !== undefined && shardBytes(shape, dtype) > limit ? uploadSharded(backend, data, shape, dtype, limit, 'tensor') : backend.upload(data, shape, dtype);
  return track(new Tensor(newRecord(backend, storage, { shape, dtype }), [...shape], dtype));
}

/** A new handle on the same data (refcounted), not recorded on tapes. @internal */
export function alias(t: Tensor, shape: Shape = t.shape): Tensor {
  const r = t.record;
  r.refs++;
  return track(new Tensor(r, [...shape], t.dtype));
}

/** `MatMul(a: f32[5,16] (320 bytes), b: f32[50,16] 'lm_head' (3200 bytes, 4 shards)) -> f32[5,50] (1000 bytes)`, for errors. */
function describeCall(kernel: string, ins: Record<string, Tensor | Tensor[]>, outs: readonly TensorInfo[]): string {
  const one = (t: Tensor) => describeOperand({ shape: t.shape, dtype: t.dtype, storage: t.record.storage }, t.name);
  const args = Object.entries(ins).map(([k, v]) => `${k}: ${Array.isArray(v) ? `[${v.map(one).join(', ')}]` : one(v)}`);
  return `${kernel}(${args.join(', ')}) -> ${outs.map((o) => describeOperand(o)).join(', ')}`;
}

function collect<T>(inputs: Record<string, T | T[]>): T[] {
  const out: T[] = [];
  for (const v of Object.values(inputs)) {
    if (Array.isArray(v)) out.push(...v);
    else out.push(v);
  }
  return out;
}

/**
 * Runs a kernel on its inputs' backend (or `backend` for input-less kernels) and returns its outputs.
 * Records the call on every active tape that tracks one of its inputs.
 */
export function runKernel<K extends KernelName>(
  kernel: K,
  inputs: KernelInputs<K, Tensor>,
  attrs: KernelAttrs<K>,
  backend?: Backend,
): Tensor[] {
  const ins = inputs as unknown as Record<string, Tensor | Tensor[]>;
  const flat = collect(ins);
  const be = flat.length ? flat[0].backend : (backend ?? getBackend());
  for (const t of flat) {
    if (t.dtype === 'f16' && !F16_KERNELS.has(kernel)) {
      throw new ShapeError(`${kernel}: input ${t.describe()} is f16; f16 tensors are stored weights, read only by ${[...F16_KERNELS].join(', ')} (cast to f32 first)`);
    }
    if (t.backend !== be) {
      throw new ShapeError(`${kernel}: inputs live on different backends (${be.name} and ${t.backend.name}); move them first`);
    }
  }
  const infoInputs = mapInputs(ins, (t) => ({ shape: t.shape, dtype: t.dtype }));
  const spec = KERNEL_SPECS[kernel];
  const outInfos = (spec.infer as (i: unknown, a: unknown) => TensorInfo[])(infoInputs, attrs);
  let outputs: Tensor[];
  if (kernel === 'Reshape') {
    outputs = [alias(flat[0], outInfos[0].shape)];
  } else {
    const bInputs = mapInputs(ins, (t): BackendTensor => ({ storage: t.record.storage, shape: t.shape, dtype: t.dtype }));
    const limit = be.maxBindingBytes;
    const storages =
      limit !== undefined && needsSharding(collect(bInputs as Record<string, BackendTensor | BackendTensor[]>), outInfos, limit)
        ? runSharded(be, kernel, bInputs as Record<string, BackendTensor | BackendTensor[]>, attrs as Record<string, unknown>, outInfos, limit, describeCall(kernel, ins, outInfos))
        : (be.run as (k: K, i: unknown, a: unknown, o: readonly TensorInfo[]) => unknown[])(kernel, bInputs, attrs, outInfos);
    outputs = storages.map((s, i) => track(new Tensor(newRecord(be, s, outInfos[i]), outInfos[i].shape, outInfos[i].dtype)));
  }
  for (const tape of state.tapes) {
    if (tape.paused) continue;
    if (flat.some((t) => tape.tracked.has(t.id))) {
      const keep = (t: Tensor) => {
        const k = keepAlive(t);
        tape.kept.push(k);
        return k;
      };
      tape.nodes.push({ kernel, inputs: mapInputs(ins, keep), attrs, outputs: outputs.map(keep) });
      for (const o of outputs) tape.tracked.add(o.id);
    }
  }
  return outputs;
}

/** A handle that shares `t`'s id-independent data and survives `t.dispose()`; not in any scope. */
function keepAlive(t: Tensor): Tensor {
  const r = t.record;
  r.refs++;
  liveTensors.value++;
  const k = new Tensor(r, t.shape, t.dtype, t.name);
  // the kept handle answers to the original id on the tape
  Object.defineProperty(k, 'id', { value: t.id });
  return k;
}

function mapInputs<T>(ins: Record<string, Tensor | Tensor[]>, f: (t: Tensor) => T): Record<string, T | T[]> {
  const out: Record<string, T | T[]> = {};
  for (const [k, v] of Object.entries(ins)) out[k] = Array.isArray(v) ? v.map(f) : f(v);
  return out;
}

/** Disposes every tensor in a (nested) structure of arrays and plain objects. */
export function dispose(x: unknown): void {
  walk(x, (t) => t.dispose());
}

function walk(x: unknown, f: (t: Tensor) => void, seen = new Set<unknown>()): void {
  if (x instanceof Tensor) f(x);
  else if (x && typeof x === 'object' && !seen.has(x)) {
    seen.add(x);
    if (Array.isArray(x) || x instanceof Map) for (const v of x instanceof Map ? x.values() : x) walk(v, f, seen);
    else if (Object.getPrototypeOf(x) === Object.prototype) for (const v of Object.values(x)) walk(v, f, seen);
  }
}

/**
 * Runs `fn` and disposes every tensor it created except those in its result (nested arrays, maps and
 * plain objects are searched) and those passed to {@link keep}. `fn` must be synchronous; see
 * {@link tidyAsync}.
 *
 * @example
 * ```ts
 * const y = tidy(() => add(mul(a, b), c)); // the product is freed, y is kept
 * ```
 */
export function tidy<T>(fn: () => T): T {
  const scope = new Scope();
  state.scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    state.scopes.pop();
    for (const t of scope.tensors) t.dispose();
    throw e;
  }
  if (result instanceof Promise) {
    state.scopes.pop();
    throw new TypeError('tidy(fn): fn returned a Promise; use tidyAsync for async work');
  }
  closeScope(scope, result);
  return result;
}

/**
 * The async form of {@link tidy}. Scopes are a stack, so do not interleave two `tidyAsync` calls
 * concurrently; sequential `await`s inside are fine.
 */
export async function tidyAsync<T>(fn: () => Promise<T>): Promise<T> {
  const scope = new Scope();
  state.scopes.push(scope);
  let result: T;
  try {
    result = await fn();
  } catch (e) {
    removeScope(scope);
    for (const t of scope.tensors) t.dispose();
    throw e;
  }
  closeScope(scope, result);
  return result;
}

function removeScope(scope: Scope): void {
  const i = state.scopes.lastIndexOf(scope);
  if (i >= 0) state.scopes.splice(i, 1);
}

function closeScope(scope: Scope, result: unknown): void {
  removeScope(scope);
  const keepIds = new Set<number>();
  walk(result, (t) => keepIds.add(t.id));
  const parent = state.scopes[state.scopes.length - 1];
  for (const t of scope.tensors) {
    if (keepIds.has(t.id) || kept.has(t)) {
      kept.delete(t);
      if (parent && !t.isDisposed) parent.tensors.push(t);
    } else t.dispose();
  }
}

const kept = new WeakSet<Tensor>();

/** Exempts a tensor from disposal by the innermost enclosing `tidy` (it moves to the outer scope, if any). */
export function keep<T extends Tensor>(t: T): T {
  kept.add(t);
  return t;
}

/** Removes a tensor from every scope, so that no `tidy` will dispose it (weights, caches). */
export function untrack<T extends Tensor>(t: T): T {
  for (const s of state.scopes) {
    const i = s.tensors.indexOf(t);
    if (i >= 0) s.tensors.splice(i, 1);
  }
  return t;
}

/** Live tensor handles and bytes, and the backend's own counters. */
export function memory(backend?: Backend): { tensors: number; bytes: number; backend?: ReturnType<Backend['memory']> } {
  const be = backend ?? state.defaultBackend;
  return { tensors: liveTensors.value, bytes: liveBytes.value, backend: be?.memory() };
}

/** @internal Starts a tape tracking `wrt`. */
export function pushTape(wrt: readonly Tensor[]): Tape {
  const tape = new Tape();
  for (const t of wrt) tape.tracked.add(t.id);
  state.tapes.push(tape);
  return tape;
}

/** @internal Stops recording on `tape`. */
export function popTape(tape: Tape): void {
  const i = state.tapes.lastIndexOf(tape);
  if (i >= 0) state.tapes.splice(i, 1);
}

/** @internal Runs `fn` with every tape paused (gradient rules are not recorded). */
export function withoutTapes<T>(fn: () => T): T {
  const paused = state.tapes.filter((t) => !t.paused);
  for (const t of paused) t.paused = true;
  try {
    return fn();
  } finally {
    for (const t of paused) t.paused = false;
  }
}
