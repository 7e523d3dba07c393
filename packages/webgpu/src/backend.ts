/**
 * The WebGPU backend: storages are pooled `GPUBuffer`s; kernels are encoded into one command encoder
 * and compute pass and submitted together when data is read, on `sync()`, or when the batch reaches
 * its limit. Uniforms of a batch are packed into one host arena and written to one uniform buffer
 * just before the submit (each dispatch binds its slice). Read-back copies into a pooled MAP_READ
 * staging buffer and maps it asynchronously.
 *
 * The launch path (`fastLaunch`, default): compiled programs are found by their short key with their
 * uniform layout (no source assembled, no layout computed), uniforms are written straight into the
 * arena, bind groups come from a cache keyed by layout, buffers and uniform slice (see `bind-groups.ts`),
 * and `Fill` outputs are pending constants that elementwise programs take as uniforms.
 * `fastLaunch: false` is the previous path (for comparisons): a bind group per dispatch, programs
 * rebuilt and keyed by their source, a dispatch per `Fill`.
 */
import {
  bytesPerElement,
  fromF16Bits,
  effectiveBindingLimit,
  sizeOf,
  toF16Bits,
  ShapeError,
  DisposedError,
  type Backend,
  type BackendMemory,
  type BackendTensor,
  type DType,
  type HostArray,
  type KernelAttrs,
  type KernelImpl,
  type KernelImpls,
  type KernelInputs,
  type KernelName,
  type Shape,
  type TensorInfo,
  type UploadData,
} from '@crossedit/core';
import { BufferPool, type PoolStats } from './buffer-pool.js';
import type { GpuCaps, GpuContext } from './context.js';
import { acquireDevice, type AcquiredDevice, type AdapterSummary, type DeviceOptions } from './device.js';
import { BindGroupCache } from './bind-groups.js';
import { fillBits } from './kernels/common.js';
import { bindKernels } from './kernels/index.js';
import { PipelineCache, type BindingKind, type CachedPipeline } from './pipeline-cache.js';
import { buildProgram, type ProgramDesc } from './program.js';
import type { GpuStorage } from './storage.js';
import { packUniforms, writeUniforms, type UniformLayout } from './uniforms.js';

/** Options of {@link createWebGpuBackend}. */
export interface WebGpuBackendOptions extends DeviceOptions {
  /** Dispatches per submitted batch (default 256). */
  batchLimit?: number;
  /** Free-list bytes kept for reuse (default 1 GiB). */
  maxPooledBytes?: number;
  /** `'generic'` disables the subgroup matmul (for tests of the portable path). Default `'auto'`. */
  matmul?: 'auto' | 'generic';
  /** The cached launch path (default true); `false` is the previous one, for comparisons. */
  fastLaunch?: boolean;
  /**
   * Rebuild every keyed program's source and throw when a key names two sources (a kernel whose key
   * misses something its code depends on). For tests; costs the source assembly the keys save.
   */
  checkProgramKeys?: boolean;
  /**
   * Lowers the binding limit the engine shards tensors at below the device's
   * `maxStorageBufferBindingSize` (tests of row sharding on small shapes); `CROSSEDIT_MAX_BINDING_BYTES`
   * does the same. Never raises it.
   */
  maxBindingBytes?: number;
}

/** A program as the fast path keeps it: its pipeline and uniform layout, and its source (key checks). */
interface CompiledProgram {
  readonly pipe: CachedPipeline;
  readonly layout: UniformLayout;
  readonly source: string;
  readonly label: string;
}

const UNIFORM_ARENA_BYTES = 1 << 18;
const STORAGE_USAGE = () => GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;

const roundUp = (x: number, a: number) => Math.ceil(x / a) * a;

/** The Dawn WebGPU backend. Create it with {@link createWebGpuBackend}. */
export class WebGpuBackend implements Backend<GpuStorage>, GpuContext {
  readonly name = 'webgpu';
  readonly caps: GpuCaps;
  /** `'native'` when the device has `shader-f16` (f16 weights stored as half precision); else absent. */
  readonly f16?: 'native';
  /** The limit the engine row-shards tensors at: the device's binding (and buffer) size limit, or lower when set (see options). */
  readonly maxBindingBytes: number;
  /** The adapter this backend runs on. */
  readonly adapter: AdapterSummary;
  readonly #d: AcquiredDevice;
  readonly #kernels: KernelImpls<GpuStorage>;
  readonly #device: GPUDevice;
  readonly #pool: BufferPool;
  readonly #staging: BufferPool;
  readonly #pipelines: PipelineCache;
  readonly #batchLimit: number;
  readonly #uniformAlign: number;
  readonly #uniformBuf: GPUBuffer;
  readonly #arena = new Uint8Array(UNIFORM_ARENA_BYTES);
  readonly #arenaView = new DataView(this.#arena.buffer);
  #arenaUsed = 0;
  readonly #fast: boolean;
  readonly #checkKeys: boolean;
  readonly #programs = new Map<string, CompiledProgram>();
  readonly #programsBySource = new Map<string, CompiledProgram>();
  readonly #bindGroups: BindGroupCache;
  #lastPipeline: GPUComputePipeline | null = null;
  #encoder: GPUCommandEncoder | null = null;
  #pass: GPUComputePassEncoder | null = null;
  #count = 0;
  #nextId = 1;
  #live = 0;
  #liveBytes = 0;
  #errors: string[] = [];
  #disposed = false;
  /**
   * Counters for tests and benchmarks: dispatches, submits and read-backs so far; `constants`: `Fill`
   * outputs served as pending constants, `constantWrites`: those later written because a program bound
   * them; bind groups created and found in the cache.
   */
  readonly counters = { dispatches: 0, submits: 0, reads: 0, constants: 0, constantWrites: 0, bindGroupsCreated: 0, bindGroupHits: 0 };

  /** @internal Use {@link createWebGpuBackend}. */
  constructor(d: AcquiredDevice, opts: WebGpuBackendOptions = {}) {
    this.#d = d;
    this.#device = d.device;
    this.adapter = d.info;
    const lim = d.device.limits;
    this.caps = {
      maxWorkgroupsPerDim: lim.maxComputeWorkgroupsPerDimension,
      maxBindingBytes: lim.maxStorageBufferBindingSize,
      maxWorkgroupStorage: lim.maxComputeWorkgroupStorageSize,
      maxInvocations: lim.maxComputeInvocationsPerWorkgroup,
      subgroups: opts.matmul !== 'generic' && d.device.features.has('subgroups'),
      f16: d.device.features.has('shader-f16'),
      subgroupMinSize: d.info.subgroupMinSize ?? 0,
      software: d.info.isSoftware,
    };
    if (this.caps.f16) this.f16 = 'native';
    // a shard must be both bindable and allocatable
    this.maxBindingBytes = effectiveBindingLimit(Math.min(lim.maxStorageBufferBindingSize, lim.maxBufferSize), opts.maxBindingBytes)!;
    this.#batchLimit = opts.batchLimit ?? 256;
    this.#uniformAlign = Math.max(16, lim.minUniformBufferOffsetAlignment);
    this.#pool = new BufferPool(this.#device, { usage: STORAGE_USAGE(), maxPooledBytes: opts.maxPooledBytes, label: 'tensor' });
    this.#staging = new BufferPool(this.#device, { usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST, maxPooledBytes: 1 << 28, label: 'staging' });
    this.#fast = opts.fastLaunch ?? true;
    this.#checkKeys = opts.checkProgramKeys ?? false;
    this.#pipelines = new PipelineCache(this.#device);
    this.#bindGroups = new BindGroupCache(this.#device);
    this.#pool.onDestroy = (buf) => this.#bindGroups.forget(buf);
    this.#kernels = bindKernels(this);
    this.#uniformBuf = this.#device.createBuffer({ size: UNIFORM_ARENA_BYTES, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST, label: 'uniforms' });
    this.#device.addEventListener('uncapturederror', (ev) => {
      this.#errors.push((ev as GPUUncapturedErrorEvent).error.message);
    });
    void this.#device.lost.then((info) => {
      if (!this.#disposed) this.#errors.push(`device lost (${info.reason}): ${info.message}`);
    });
  }

  /** The underlying device (for routines and tests). */
  get device(): GPUDevice {
    return this.#device;
  }

  /** Number of compiled pipelines. */
  get pipelineCount(): number {
    return this.#pipelines.size;
  }

  #check(): void {
    if (this.#disposed) throw new DisposedError('webgpu backend: used after dispose()');
  }

  #newStorage(info: TensorInfo, forUpload: boolean): GpuStorage {
    if (info.dtype === 'f16' && !this.caps.f16) {
      throw new ShapeError(`webgpu: tensor f16[${info.shape.join(',')}]: this adapter has no 'shader-f16' feature; load the weights in f32 (--dtype f32)`);
    }
    const bytes = roundUp(sizeOf(info.shape) * bytesPerElement(info.dtype), 4);
    if (bytes > this.caps.maxBindingBytes) {
      throw new ShapeError(
        `webgpu: tensor ${info.dtype}[${info.shape.join(',')}] needs ${bytes} bytes, more than this adapter's ` +
          `maxStorageBufferBindingSize (${this.caps.maxBindingBytes} bytes); split it (e.g. shard the weight by rows) or use the cpu backend`,
      );
    }
    const buffer = this.#pool.acquire(bytes, forUpload);
    this.#live++;
    this.#liveBytes += bytes;
    return { buffer, bytes, capacity: buffer.size, dtype: info.dtype, id: this.#nextId++, freed: false };
  }

  /** @inheritdoc */
  alloc(info: TensorInfo): GpuStorage {
    this.#check();
    return this.#newStorage(info, false);
  }

  /** @inheritdoc */
  allocConstant(info: TensorInfo, bits: number): GpuStorage {
    this.#check();
    const s = this.#newStorage(info, false);
    const n = sizeOf(info.shape);
    if (n === 0) return s;
    if (this.#fast) {
      s.constant = bits;
      this.counters.constants++;
    } else fillBits(this, s, n, bits);
    return s;
  }

  /** Writes a pending constant into its buffer (before the dispatch that binds it, in encoding order). */
  #writeConstant(s: GpuStorage): void {
    const bits = s.constant!;
    s.constant = undefined;
    this.counters.constantWrites++;
    fillBits(this, s, s.bytes / 4, bits);
  }

  /** @inheritdoc */
  release(storage: GpuStorage): void {
    this.free(storage);
  }

  upload(data: UploadData, shape: Shape, dtype: DType): GpuStorage {
    this.#check();
    const n = sizeOf(shape);
    if (data.length !== n) throw new ShapeError(`webgpu upload: ${data.length} values for shape [${shape.join(',')}]`);
    const s = this.#newStorage({ shape, dtype }, true);
    if (n > 0 && dtype === 'f16') {
      let bits = toF16Bits(data);
      if (n % 2 === 1) {
        // writeBuffer takes whole 4-byte words: pad odd counts with one zero half
        const padded = new Uint16Array(n + 1);
        padded.set(bits.subarray(0, n));
        bits = padded;
      }
      this.#device.queue.writeBuffer(s.buffer, 0, bits.buffer, bits.byteOffset, s.bytes);
    } else if (n > 0) {
      if (data instanceof Uint16Array) throw new ShapeError(`webgpu upload: a Uint16Array holds f16 bits, but the dtype is ${dtype}`);
      let arr: Float32Array | Int32Array;
      if (dtype === 'i32') arr = data instanceof Int32Array ? data : Int32Array.from(data as ArrayLike<number>, (v) => Math.trunc(v));
      else arr = data instanceof Float32Array ? data : Float32Array.from(data as ArrayLike<number>);
      this.#device.queue.writeBuffer(s.buffer, 0, arr.buffer, arr.byteOffset, n * 4);
    }
    return s;
  }

  free(storage: GpuStorage): void {
    if (storage.freed) throw new DisposedError(`webgpu: storage #${storage.id} freed twice`);
    storage.freed = true;
    this.#live--;
    this.#liveBytes -= storage.bytes;
    if (this.#disposed) return;
    this.#pool.release(storage.buffer, this.#pass !== null);
  }

  dispatch(desc: ProgramDesc, storages: readonly GpuStorage[], workgroups: readonly [number, number, number]): void {
    this.#check();
    if (storages.length !== desc.bindings.length) {
      throw new Error(`webgpu program ${desc.name}: ${storages.length} storages for ${desc.bindings.length} bindings`);
    }
    for (const s of storages) if (s.freed) throw new DisposedError(`webgpu program ${desc.name}: storage #${s.id} was freed`);
    const [x, y, z] = workgroups;
    const maxDim = this.caps.maxWorkgroupsPerDim;
    if (x > maxDim || y > maxDim || z > maxDim) throw new RangeError(`webgpu program ${desc.name}: ${workgroups.join('x')} workgroups exceed ${maxDim} per dimension`);
    if (x === 0 || y === 0 || z === 0) return;
    if (!this.#fast) {
      this.#dispatchPrevious(desc, storages, x, y, z);
      return;
    }
    for (const s of storages) if (s.constant !== undefined) this.#writeConstant(s);
    const prog = this.#compile(desc);
    const size = prog.layout.size;
    const slot = roundUp(size, this.#uniformAlign);
    if (this.#arenaUsed + slot > UNIFORM_ARENA_BYTES) this.#flush();
    const offset = this.#arenaUsed;
    writeUniforms(this.#arenaView, offset, desc.uniforms, prog.layout);
    this.#arenaUsed += slot;
    const n = storages.length;
    const buffers: GPUBuffer[] = new Array<GPUBuffer>(n);
    const ids: number[] = new Array<number>(n);
    const sizes: number[] = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      const s = storages[i];
      buffers[i] = s.buffer;
      ids[i] = this.#pool.idOf(s.buffer);
      sizes[i] = Math.min(s.capacity, Math.max(16, roundUp(s.bytes, 16)));
    }
    const created = this.#bindGroups.stats.misses;
    const group = this.#bindGroups.get(prog.pipe.layout, prog.pipe.layoutId, buffers, ids, sizes, this.#uniformBuf, offset, size, prog.label);
    if (this.#bindGroups.stats.misses !== created) this.counters.bindGroupsCreated++;
    else this.counters.bindGroupHits++;
    if (!this.#pass) {
      this.#encoder = this.#device.createCommandEncoder();
      this.#pass = this.#encoder.beginComputePass();
      this.#lastPipeline = null;
    }
    if (prog.pipe.pipeline !== this.#lastPipeline) {
      this.#pass.setPipeline(prog.pipe.pipeline);
      this.#lastPipeline = prog.pipe.pipeline;
    }
    this.#pass.setBindGroup(0, group);
    this.#pass.dispatchWorkgroups(x, y, z);
    this.counters.dispatches++;
    if (++this.#count >= this.#batchLimit) this.#flush();
  }

  /** The compiled program of `desc`: by key when it has one, else by source (compiled on first use). */
  #compile(desc: ProgramDesc): CompiledProgram {
    const key = desc.key;
    if (key !== undefined) {
      const hit = this.#programs.get(key);
      if (hit) {
        if (this.#checkKeys) {
          const source = buildProgram(desc).source;
          if (source !== hit.source) throw new Error(`webgpu program ${desc.name}: key '${key}' names two different sources (the key misses something the code depends on)`);
        }
        return hit;
      }
    }
    const built = buildProgram(desc);
    let prog = this.#programsBySource.get(built.source);
    if (!prog) {
      const kinds: BindingKind[] = [...desc.bindings.map((b) => b.access), 'uniform'];
      prog = { pipe: this.#pipelines.get(built.source, desc.name, kinds), layout: built.layout, source: built.source, label: desc.name };
      this.#programsBySource.set(built.source, prog);
    }
    if (key !== undefined) this.#programs.set(key, prog);
    return prog;
  }

  /** The previous launch path (`fastLaunch: false`): source rebuilt, a bind group per dispatch. */
  #dispatchPrevious(desc: ProgramDesc, storages: readonly GpuStorage[], x: number, y: number, z: number): void {
    const built = buildProgram(desc);
    const kinds: BindingKind[] = [...desc.bindings.map((b) => b.access), 'uniform'];
    const { pipeline, layout } = this.#pipelines.get(built.source, desc.name, kinds);
    const data = new Uint8Array(packUniforms(built.uniforms, built.layout));
    const slot = roundUp(data.byteLength, this.#uniformAlign);
    if (this.#arenaUsed + slot > UNIFORM_ARENA_BYTES) this.#flush();
    if (!this.#pass) {
      this.#encoder = this.#device.createCommandEncoder();
      this.#pass = this.#encoder.beginComputePass();
    }
    const offset = this.#arenaUsed;
    this.#arena.set(data, offset);
    this.#arenaUsed += slot;
    const entries: GPUBindGroupEntry[] = storages.map((s, i) => ({
      binding: i,
      resource: { buffer: s.buffer, offset: 0, size: Math.min(s.capacity, Math.max(16, roundUp(s.bytes, 16))) },
    }));
    entries.push({ binding: storages.length, resource: { buffer: this.#uniformBuf, offset, size: data.byteLength } });
    const bindGroup = this.#device.createBindGroup({ layout, entries, label: desc.name });
    this.counters.bindGroupsCreated++;
    this.#pass.setPipeline(pipeline);
    this.#pass.setBindGroup(0, bindGroup);
    this.#pass.dispatchWorkgroups(x, y, z);
    this.counters.dispatches++;
    if (++this.#count >= this.#batchLimit) this.#flush();
  }

  /** Submits the open batch; `extra` appends commands (copies) after the compute pass. */
  #flush(extra?: (enc: GPUCommandEncoder) => void): void {
    if (!this.#encoder && !extra) return;
    const enc = this.#encoder ?? this.#device.createCommandEncoder();
    this.#pass?.end();
    extra?.(enc);
    if (this.#arenaUsed > 0) this.#device.queue.writeBuffer(this.#uniformBuf, 0, this.#arena.buffer, 0, this.#arenaUsed);
    this.#device.queue.submit([enc.finish()]);
    this.counters.submits++;
    this.#encoder = null;
    this.#pass = null;
    this.#count = 0;
    this.#arenaUsed = 0;
    this.#pool.onSubmit();
  }

  #throwErrors(): void {
    if (this.#errors.length) {
      const msgs = this.#errors.splice(0);
      throw new Error(`webgpu: device error(s): ${msgs.join(' | ')}`);
    }
  }

  async read(storage: GpuStorage, info: TensorInfo): Promise<HostArray> {
    this.#check();
    if (storage.freed) throw new DisposedError(`webgpu read: storage #${storage.id} was freed`);
    const n = sizeOf(info.shape);
    const bytes = storage.bytes;
    if (n === 0) {
      this.#throwErrors();
      return info.dtype === 'i32' ? new Int32Array(0) : new Float32Array(0);
    }
    if (storage.constant !== undefined) {
      // a pending constant: its value is known on the host
      this.#throwErrors();
      const out = new Uint32Array(n).fill(storage.constant);
      return info.dtype === 'i32' ? new Int32Array(out.buffer) : new Float32Array(out.buffer);
    }
    this.counters.reads++;
    const staging = this.#staging.acquire(bytes);
    this.#flush((enc) => enc.copyBufferToBuffer(storage.buffer, 0, staging, 0, bytes));
    try {
      await staging.mapAsync(GPUMapMode.READ, 0, bytes);
    } catch (e) {
      this.#throwErrors();
      throw e;
    }
    const copy = staging.getMappedRange(0, bytes).slice(0);
    staging.unmap();
    this.#staging.release(staging, false);
    this.#throwErrors();
    if (info.dtype === 'f16') return fromF16Bits(new Uint16Array(copy, 0, n));
    return info.dtype === 'i32' ? new Int32Array(copy) : new Float32Array(copy);
  }

  run<K extends KernelName>(kernel: K, inputs: KernelInputs<K, BackendTensor<GpuStorage>>, attrs: KernelAttrs<K>, outputs: readonly TensorInfo[]): GpuStorage[] {
    this.#check();
    for (const v of Object.values(inputs as Record<string, BackendTensor<GpuStorage> | BackendTensor<GpuStorage>[]>)) {
      for (const t of Array.isArray(v) ? v : [v]) {
        if (t.storage.freed) throw new DisposedError(`webgpu ${kernel}: an input's storage #${t.storage.id} was freed`);
      }
    }
    return (this.#kernels[kernel] as KernelImpl<K, GpuStorage>)(inputs, attrs, outputs);
  }

  memory(): BackendMemory {
    const p = this.#pool.stats();
    const s = this.#staging.stats();
    return { bytesInUse: this.#liveBytes, bytesPooled: p.bytesPooled + s.bytesPooled, storages: this.#live };
  }

  /** Counters of the storage-buffer pool (buffers created, bytes pooled...). */
  poolStats(): PoolStats {
    return this.#pool.stats();
  }

  /** Submits pending work and waits for the queue to drain; throws device errors. */
  async sync(): Promise<void> {
    this.#check();
    this.#flush();
    await this.#device.queue.onSubmittedWorkDone();
    this.#throwErrors();
  }

  /** Destroys pooled buffers (live storages stay valid). */
  trim(): void {
    this.#flush();
    this.#pool.trim();
    this.#staging.trim();
  }

  dispose(): void {
    if (this.#disposed) return;
    try {
      this.#flush();
    } catch {
      /* the device may already be lost */
    }
    this.#disposed = true;
    this.#pool.trim();
    this.#staging.trim();
    this.#pipelines.clear();
    this.#uniformBuf.destroy();
    this.#device.destroy();
  }
}

/**
 * Creates the WebGPU backend on the best adapter Dawn finds. Throws BackendUnavailableError (with the
 * driver to install) when there is none.
 *
 * @example
 * ```ts
 * const backend = await createWebGpuBackend();
 * setBackend(backend);
 * ```
 */
export async function createWebGpuBackend(opts: WebGpuBackendOptions = {}): Promise<WebGpuBackend> {
  const d = await acquireDevice(opts);
  return new WebGpuBackend(d, opts);
}
