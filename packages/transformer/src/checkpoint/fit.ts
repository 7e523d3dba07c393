/**
 * Whether a model fits a device, decided from the checkpoint's index and the config before anything is
 * allocated: every weight against the adapter's per-binding and per-buffer limits, the sum against a
 * device-memory budget. The error names the file, the tensor and the numbers.
 */
import { readFileSync } from 'node:fs';
import { freemem } from 'node:os';
import { ConfigurationError, sizeOf, type Backend } from '@crossedit/core';
import { LOAD_BYTES, type LoadDType } from './read-as.js';

/** What a device can hold, as far as loading is concerned. */
export interface DeviceLimits {
  /** The backend's name (for messages). */
  backend: string;
  /**
   * Bytes one weight element of each dtype takes on the device: WebGPU 4 (f32) and 2 (f16); `cpu-f32` 4 and 4
   * (f16 held widened); the float64 `cpu` 8 and 8.
   */
  bytesPerElement: Readonly<Record<LoadDType, number>>;
  /** The largest tensor one kernel can bind (WebGPU `maxStorageBufferBindingSize`); none when absent. */
  maxBindingBytes?: number;
  /** The largest single buffer (WebGPU `maxBufferSize`); none when absent. */
  maxBufferBytes?: number;
  /**
   * Whether tensors past `maxBindingBytes` are row-sharded (core's engine does so on every backend that declares
   * `maxBindingBytes`): then each row must fit, at ≥ 4 bytes per element, not the tensor.
   */
  rowSharding?: boolean;
  /** The device-memory budget in bytes; no total check when absent (a discrete GPU's memory is not queryable). */
  memoryBytes?: number;
  /** Where the budget came from, for the message (`CROSSEDIT_DEVICE_MEMORY=24 GB`, the host's available memory). */
  memorySource?: string;
  /** Bytes kept free beside the weights for activations, the KV cache and pool slack (default 512 MiB). */
  reserveBytes?: number;
}

/** A weight to place: its name, shape (canonical, as uploaded) and storage dtype (default f32). */
export interface FitTensor {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype?: LoadDType;
}

/** The outcome of {@link estimateFit}. */
export interface FitEstimate {
  /** Bytes of all weights on the device. */
  weightBytes: number;
  /** Weight bytes plus the reserve. */
  neededBytes: number;
  /** Number of weights. */
  tensors: number;
  /** The largest weight. */
  largest: { name: string; shape: readonly number[]; bytes: number };
  /** Every reason it does not fit (empty when it fits), one sentence each. */
  problems: string[];
}

/** Raised before allocation when a model cannot fit the device; names the file, the tensor and the numbers. */
export class FitError extends ConfigurationError {
  override name = 'FitError';
  constructor(
    /** The checkpoint that was to be loaded. */
    readonly file: string,
    /** The first offending tensor, when one tensor is the problem. */
    readonly tensor: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

const DEFAULT_RESERVE = 512 * 2 ** 20;

/** `13.48 GB (13,476,003,840 bytes)`-style sizes. */
export function fmtBytes(b: number): string {
  const u = b >= 2 ** 30 ? [2 ** 30, 'GiB'] : b >= 2 ** 20 ? [2 ** 20, 'MiB'] : [2 ** 10, 'KiB'];
  return `${b.toLocaleString('en-US')} bytes (${(b / (u[0] as number)).toFixed(1)} ${u[1]})`;
}

/**
 * Places every weight against the limits: a tensor past `maxBufferBytes`, or past `maxBindingBytes` without row
 * sharding (with sharding: a row past it), and a total past the memory budget are problems.
 *
 * @example
 * ```ts
 * const est = estimateFit([{ name: 'model.embed_tokens.weight', shape: [55296, 4096], dtype: 'f16' }], { backend: 'webgpu', bytesPerElement: { f32: 4, f16: 2 }, maxBindingBytes: 2 ** 27 });
 * est.problems; // ["tensor 'model.embed_tokens.weight' [55296,4096] needs 452,984,832 bytes (432.0 MiB) in f16 ..., more than ..."]
 * ```
 */
export function estimateFit(tensors: readonly FitTensor[], limits: DeviceLimits): FitEstimate {
  const problems: string[] = [];
  let weightBytes = 0;
  let largest = { name: '', shape: [] as readonly number[], bytes: 0 };
  for (const t of tensors) {
    const dtype = t.dtype ?? 'f32';
    const per = limits.bytesPerElement[dtype];
    const bytes = sizeOf(t.shape) * per;
    weightBytes += bytes;
    if (bytes > largest.bytes) largest = { name: t.name, shape: t.shape, bytes };
    const what = `tensor '${t.name}' [${t.shape.join(',')}] needs ${fmtBytes(bytes)} in ${dtype} (${per} bytes per element)`;
    if (limits.maxBindingBytes !== undefined && bytes > limits.maxBindingBytes) {
      // the engine plans shards at ≥ 4 bytes per element (an f16 block must still bind once widened to f32)
      const row = sizeOf(t.shape.slice(1)) * Math.max(4, per);
      if (!limits.rowSharding) {
        problems.push(`${what}, more than the ${limits.backend} binding limit (maxStorageBufferBindingSize) of ${fmtBytes(limits.maxBindingBytes)} (and this backend does not shard tensors)`);
        continue;
      }
      if (row > limits.maxBindingBytes) {
        problems.push(`${what}; one row of it is ${fmtBytes(row)}, more than the ${limits.backend} binding limit (maxStorageBufferBindingSize) of ${fmtBytes(limits.maxBindingBytes)}, so even row shards cannot bind`);
        continue;
      }
    }
    if (limits.maxBufferBytes !== undefined && bytes > limits.maxBufferBytes && !limits.rowSharding) {
      problems.push(`${what}, more than the ${limits.backend} adapter's maxBufferSize of ${fmtBytes(limits.maxBufferBytes)}`);
    }
  }
  const reserve = limits.reserveBytes ?? DEFAULT_RESERVE;
  const neededBytes = weightBytes + reserve;
  if (limits.memoryBytes !== undefined && neededBytes > limits.memoryBytes) {
    problems.push(
      `the ${tensors.length} weights need ${fmtBytes(weightBytes)} on ${limits.backend} ` +
        `(largest '${largest.name}' [${largest.shape.join(',')}], ${fmtBytes(largest.bytes)}) plus a ${fmtBytes(reserve)} reserve, ` +
        `more than the device-memory budget of ${fmtBytes(limits.memoryBytes)}${limits.memorySource ? ` (${limits.memorySource})` : ''}`,
    );
  }
  return { weightBytes, neededBytes, tensors: tensors.length, largest, problems };
}

/**
 * {@link estimateFit}, throwing a {@link FitError} that starts with `file` and lists the problems (at most 3).
 *
 * @throws FitError when any weight or the total does not fit
 */
export function checkFit(file: string, tensors: readonly FitTensor[], limits: DeviceLimits, what = 'the model'): FitEstimate {
  const est = estimateFit(tensors, limits);
  if (!est.problems.length) return est;
  const first = /^tensor '([^']+)'/.exec(est.problems[0])?.[1];
  const more = est.problems.length > 3 ? `; and ${est.problems.length - 3} more` : '';
  throw new FitError(file, first, `${file}: ${what} does not fit: ${est.problems.slice(0, 3).join('; ')}${more}. Nothing was allocated. Try half-precision weights where the backend stores them natively (--dtype f16 on WebGPU), another backend, or a larger device-memory budget (${DEVICE_MEMORY_ENV}, in GB)`);
}

/** The host's available memory (`MemAvailable` of /proc/meminfo; `os.freemem()` elsewhere). */
export function availableHostMemory(): number {
  try {
    const m = /^MemAvailable:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // not Linux
  }
  return freemem();
}

/** The environment variable that sets the device-memory budget in GB (decimal) for every load. */
export const DEVICE_MEMORY_ENV = 'CROSSEDIT_DEVICE_MEMORY';

/** `CROSSEDIT_DEVICE_MEMORY` in bytes; a value that is not a positive number is an error naming it. */
function envBudget(): number | undefined {
  const v = process.env[DEVICE_MEMORY_ENV];
  if (v === undefined || v === '') return undefined;
  const gb = Number(v);
  if (!(gb > 0)) throw new ConfigurationError(`${DEVICE_MEMORY_ENV}='${v}': expected the device-memory budget in GB, a positive number (e.g. 24)`);
  return Math.round(gb * 1e9);
}

/** Options of {@link deviceLimitsOf}. */
export interface DeviceLimitsOptions {
  /** The device-memory budget in bytes (overrides the default). */
  memoryBytes?: number;
  /** Bytes reserved beside the weights. */
  reserveBytes?: number;
  /** Whether the backend row-shards tensors past its binding limit (default: whether it declares `maxBindingBytes`). */
  rowSharding?: boolean;
}

/**
 * The limits of a backend: its `maxBindingBytes` (row sharding then applies) or WebGPU's adapter limits, its
 * storage size per element of each dtype, and a memory budget: the given one, else `CROSSEDIT_DEVICE_MEMORY`
 * (GB), else the host's available memory for the CPU backends and software adapters (lavapipe's device memory
 * is host memory), else none (WebGPU does not say how much memory a discrete GPU has).
 */
export function deviceLimitsOf(backend: Backend, opts: DeviceLimitsOptions = {}): DeviceLimits {
  const b = backend as Backend & { adapter?: { isSoftware?: boolean; limits?: Record<string, number> } };
  const cpu = backend.name === 'cpu' || backend.name === 'cpu-f32';
  const bytesPerElement = backend.name === 'cpu' ? { f32: 8, f16: 8 } : cpu ? { f32: 4, f16: 4 } : LOAD_BYTES;
  const hostBacked = cpu || b.adapter?.isSoftware === true;
  const env = envBudget();
  const given = opts.memoryBytes ?? env;
  const memoryBytes = given ?? (hostBacked ? availableHostMemory() : undefined);
  const memorySource =
    opts.memoryBytes !== undefined
      ? 'the device-memory budget given'
      : env !== undefined
        ? `${DEVICE_MEMORY_ENV}=${process.env[DEVICE_MEMORY_ENV]} GB`
        : hostBacked
          ? `the host's available memory, which ${cpu ? 'the CPU backend' : 'a software adapter'} allocates from`
          : undefined;
  return {
    backend: backend.name,
    bytesPerElement,
    maxBindingBytes: backend.maxBindingBytes ?? b.adapter?.limits?.maxStorageBufferBindingSize,
    maxBufferBytes: b.adapter?.limits?.maxBufferSize,
    rowSharding: opts.rowSharding ?? backend.maxBindingBytes !== undefined,
    memoryBytes,
    memorySource,
    reserveBytes: opts.reserveBytes,
  };
}
