/**
 * Device acquisition through Dawn (npm `webgpu`): creates the GPU object, picks an adapter, and requests
 * a device with the adapter's real limits (the WebGPU defaults, e.g. 128 MiB storage bindings, would
 * otherwise cap every tensor). When no adapter exists the error says which system driver is missing.
 */
import { BackendUnavailableError } from '@crossedit/core';
import { create, globals } from 'webgpu';

/** Limits requested at the adapter's own values. */
export const REQUESTED_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupSizeZ',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBuffersPerShaderStage',
  'maxUniformBufferBindingSize',
  'maxBindGroups',
] as const;

/** Features requested when the adapter has them. */
export const OPTIONAL_FEATURES = ['subgroups', 'shader-f16', 'timestamp-query'] as const;

/** What we know of an adapter. */
export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** True for software adapters (lavapipe/llvmpipe, SwiftShader, WARP). */
  isSoftware: boolean;
  subgroupMinSize?: number;
  subgroupMaxSize?: number;
  features: string[];
  limits: Record<string, number>;
}

/** A ready device and what was learned while acquiring it. */
export interface AcquiredDevice {
  gpu: GPU;
  adapter: GPUAdapter;
  device: GPUDevice;
  info: AdapterSummary;
}

/** Options of device acquisition. */
export interface DeviceOptions {
  /** Dawn toggles and options passed to `create()` (e.g. `['backend=vulkan']`). */
  dawnOptions?: string[];
  /** Adapter power preference. */
  powerPreference?: GPUPowerPreference;
  /** Do not request optional features (tests the portable code paths). */
  noOptionalFeatures?: boolean;
}

let globalsInstalled = false;

/** Installs Dawn's GPU* constants (GPUBufferUsage, GPUMapMode, ...) on globalThis once. */
export function installGlobals(): void {
  if (globalsInstalled) return;
  const g = globalThis as Record<string, unknown>;
  for (const [k, v] of Object.entries(globals as Record<string, unknown>)) if (!(k in g)) g[k] = v;
  globalsInstalled = true;
}

/**
 * The message of a missing-adapter error: which system driver Dawn needs on this platform and how to
 * get a software one.
 */
export function missingAdapterMessage(platform: NodeJS.Platform = process.platform, detail = ''): string {
  const why = detail ? ` (${detail})` : '';
  const head = `WebGPU: no adapter found${why}.`;
  switch (platform) {
    case 'linux':
      return (
        `${head} Dawn needs a Vulkan driver on Linux (a GPU's driver, or Mesa's CPU driver lavapipe). ` +
        'On Debian 12 install lavapipe from Mesa >= 24 (Mesa 22 is refused by Dawn): ' +
        "echo 'deb http://deb.debian.org/debian bookworm-backports main' > /etc/apt/sources.list.d/backports.list && " +
        'apt-get update && apt-get install -y -t bookworm-backports mesa-vulkan-drivers ' +
        '(Ubuntu 24.04+: apt-get install mesa-vulkan-drivers). Check with `vulkaninfo --summary`. ' +
        "Or run with backend 'cpu'."
      );
    case 'darwin':
      return `${head} Dawn needs Metal on macOS (macOS 11+ on a Mac with a Metal-capable GPU). Or run with backend 'cpu'.`;
    case 'win32':
      return `${head} Dawn needs Direct3D 12 on Windows (an up-to-date GPU driver, or the WARP software adapter). Or run with backend 'cpu'.`;
    default:
      return `${head} Dawn has no known driver for platform '${platform}'. Run with backend 'cpu'.`;
  }
}

function summarize(adapter: GPUAdapter): AdapterSummary {
  const i = adapter.info as GPUAdapterInfo & { subgroupMinSize?: number; subgroupMaxSize?: number; isFallbackAdapter?: boolean };
  const limits: Record<string, number> = {};
  for (const k in adapter.limits) {
    const v = (adapter.limits as unknown as Record<string, unknown>)[k];
    if (typeof v === 'number') limits[k] = v;
  }
  const text = `${i.vendor} ${i.architecture} ${i.device} ${i.description}`.toLowerCase();
  return {
    vendor: i.vendor ?? '',
    architecture: i.architecture ?? '',
    device: i.device ?? '',
    description: i.description ?? '',
    isSoftware: !!i.isFallbackAdapter || /llvmpipe|lavapipe|swiftshader|software|warp/.test(text),
    subgroupMinSize: i.subgroupMinSize,
    subgroupMaxSize: i.subgroupMaxSize,
    features: [...adapter.features].map(String).sort(),
    limits,
  };
}

/**
 * Creates the Dawn GPU object, requests an adapter and a device with the adapter's limits.
 * Throws BackendUnavailableError when there is no adapter or the device cannot be created.
 */
export async function acquireDevice(opts: DeviceOptions = {}): Promise<AcquiredDevice> {
  installGlobals();
  let gpu: GPU;
  try {
    gpu = create(opts.dawnOptions ?? []);
  } catch (e) {
    throw new BackendUnavailableError(missingAdapterMessage(process.platform, `Dawn failed to start: ${(e as Error).message}`));
  }
  let adapter: GPUAdapter | null = null;
  try {
    adapter = await gpu.requestAdapter(opts.powerPreference ? { powerPreference: opts.powerPreference } : undefined);
  } catch (e) {
    throw new BackendUnavailableError(missingAdapterMessage(process.platform, (e as Error).message));
  }
  if (!adapter) throw new BackendUnavailableError(missingAdapterMessage(process.platform));
  const requiredLimits: Record<string, number> = {};
  for (const k of REQUESTED_LIMITS) {
    const v = (adapter.limits as unknown as Record<string, number>)[k];
    if (typeof v === 'number') requiredLimits[k] = v;
  }
  const requiredFeatures = opts.noOptionalFeatures ? [] : OPTIONAL_FEATURES.filter((f) => adapter.features.has(f));
  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({ requiredLimits, requiredFeatures: requiredFeatures as GPUFeatureName[] });
  } catch (e) {
    throw new BackendUnavailableError(`WebGPU: the adapter refused a device with its own limits: ${(e as Error).message}`);
  }
  return { gpu, adapter, device, info: summarize(adapter) };
}

/** Result of {@link probeWebGpu}. */
export interface ProbeResult {
  ok: boolean;
  /** Why WebGPU is unavailable (with the fix), when `ok` is false. */
  reason?: string;
  adapter?: AdapterSummary;
}

/**
 * Checks whether a WebGPU device can be created here, without keeping it. Never throws.
 *
 * @example
 * ```ts
 * const p = await probeWebGpu();
 * if (!p.ok) console.warn(p.reason);
 * ```
 */
export async function probeWebGpu(opts: DeviceOptions = {}): Promise<ProbeResult> {
  try {
    const d = await acquireDevice(opts);
    d.device.destroy();
    return { ok: true, adapter: d.info };
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  }
}
