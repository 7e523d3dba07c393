/** What a WebGPU kernel implementation sees of the backend. */
import type { TensorInfo } from '@crossedit/core';
import type { ProgramDesc } from './program.js';
import type { GpuStorage } from './storage.js';

/** Device capabilities kernels choose code paths by. */
export interface GpuCaps {
  /** `maxComputeWorkgroupsPerDimension`. */
  maxWorkgroupsPerDim: number;
  /** `maxStorageBufferBindingSize` in bytes. */
  maxBindingBytes: number;
  /** `maxComputeWorkgroupStorageSize` in bytes. */
  maxWorkgroupStorage: number;
  /** `maxComputeInvocationsPerWorkgroup`. */
  maxInvocations: number;
  /** The `subgroups` feature is enabled on the device. */
  subgroups: boolean;
  /** The `shader-f16` feature is enabled on the device: `f16` tensors (stored weights) are available. */
  f16: boolean;
  /** Smallest subgroup size the adapter reports (0 when unknown). */
  subgroupMinSize: number;
  /** A software (CPU) adapter such as lavapipe: kernels favour large register tiles, few barriers. */
  software: boolean;
}

/** The services a kernel implementation uses: allocation and dispatch. */
export interface GpuContext {
  readonly caps: GpuCaps;
  /** A new storage for a kernel output (contents undefined until a program writes it). */
  alloc(info: TensorInfo): GpuStorage;
  /**
   * A new storage every element of which has the 32-bit pattern `bits` (see `GpuStorage.constant`:
   * nothing may be written until a program that binds it runs, so it costs no dispatch when only
   * elementwise programs read it).
   */
  allocConstant(info: TensorInfo, bits: number): GpuStorage;
  /**
   * Releases a temporary storage a kernel allocated for itself. Dispatches already encoded that use
   * it still see its contents (later dispatches run after them).
   */
  release(storage: GpuStorage): void;
  /**
   * Encodes one dispatch of `desc` with `storages` bound in declaration order and `workgroups`
   * workgroups. Nothing runs until the batch is submitted (on read, sync or a batch limit).
   */
  dispatch(desc: ProgramDesc, storages: readonly GpuStorage[], workgroups: readonly [number, number, number]): void;
}
