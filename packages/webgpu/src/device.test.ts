/** Device acquisition: real limits are requested, and a missing adapter explains the driver to install. */
import { BackendUnavailableError } from '@crossedit/core';
import { describe, expect, it } from 'vitest';
import { acquireDevice, missingAdapterMessage, probeWebGpu, REQUESTED_LIMITS } from './device.js';

describe('missingAdapterMessage', () => {
  it('names Vulkan and the lavapipe install on Linux', () => {
    const m = missingAdapterMessage('linux');
    expect(m).toMatch(/Vulkan/);
    expect(m).toMatch(/apt-get install -y -t bookworm-backports mesa-vulkan-drivers/);
    expect(m).toMatch(/Mesa >= 24/);
    expect(m).toMatch(/Mesa 22 is refused/);
    expect(m).toMatch(/backend 'cpu'/);
  });
  it('names Metal on macOS and Direct3D 12 on Windows', () => {
    expect(missingAdapterMessage('darwin')).toMatch(/Metal/);
    expect(missingAdapterMessage('win32')).toMatch(/Direct3D 12/);
    expect(missingAdapterMessage('freebsd')).toMatch(/no known driver/);
  });
  it('includes the detail of the failure', () => {
    expect(missingAdapterMessage('linux', 'vkCreateInstance failed')).toContain('(vkCreateInstance failed)');
  });
});

describe('acquireDevice', () => {
  it('requests the adapter limits rather than the WebGPU defaults', async () => {
    const d = await acquireDevice();
    try {
      for (const k of REQUESTED_LIMITS) {
        const want = (d.adapter.limits as unknown as Record<string, number>)[k];
        expect((d.device.limits as unknown as Record<string, number>)[k], k).toBe(want);
      }
      expect(d.info.limits.maxStorageBufferBindingSize).toBe(d.device.limits.maxStorageBufferBindingSize);
      if (d.adapter.features.has('subgroups')) expect(d.device.features.has('subgroups')).toBe(true);
    } finally {
      d.device.destroy();
    }
  });

  it('throws BackendUnavailableError with the fix when Dawn finds no adapter', async () => {
    // the 'null' backend has no compute adapter; an unknown adapter name makes Dawn find none
    const err = await acquireDevice({ dawnOptions: ['adapter=no-such-adapter-crossedit'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendUnavailableError);
    expect((err as Error).message).toMatch(/no adapter found/);
    expect((err as Error).message).toMatch(process.platform === 'linux' ? /Vulkan/ : /.+/);
  });
});

describe('probeWebGpu', () => {
  it('reports the adapter here (CI runs on lavapipe)', async () => {
    const p = await probeWebGpu();
    expect(p.ok, p.reason).toBe(true);
    expect(p.adapter?.limits.maxBufferSize).toBeGreaterThan(0);
  });
  it('reports a reason instead of throwing', async () => {
    const p = await probeWebGpu({ dawnOptions: ['adapter=no-such-adapter-crossedit'] });
    expect(p.ok).toBe(false);
    expect(p.reason).toMatch(/no adapter found/);
  });
});
