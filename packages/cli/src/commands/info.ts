import { resolveWeightDType } from '@crossedit/core';
import type { Command } from '../args.js';
import { chooseBackend, parseBackendKind } from '../backend.js';
import { DTYPE_OPTION, parseDTypeRequest } from '../session.js';

/** `crossedit info`: the WebGPU adapter, the backend that `auto` picks, and its limits. */
export const infoCommand: Command = {
  name: 'info',
  summary: 'show the WebGPU adapter, the chosen backend and its limits',
  usage: 'info [--backend auto|webgpu|cpu|cpu-f32] [--dtype auto|f32|f16]',
  options: { backend: { type: 'string', help: 'backend to create', arg: 'KIND', default: 'auto' }, dtype: DTYPE_OPTION },
  async run(values) {
    const { probeWebGpu } = await import('@crossedit/webgpu'); // the Dawn binary loads only here
    const probe = await probeWebGpu();
    process.stdout.write(`node ${process.version} on ${process.platform}-${process.arch}\n`);
    process.stdout.write(`webgpu: ${probe.ok ? 'available' : `unavailable (${probe.reason})`}\n`);
    if (probe.ok && probe.adapter) process.stdout.write(`adapter: ${JSON.stringify(probe.adapter)}\n`);
    const { backend, reason } = await chooseBackend(parseBackendKind(values.backend as string | undefined));
    process.stdout.write(`backend: ${backend.name} (${reason})\n`);
    // what --dtype gives on this backend for a half-precision (f16/bf16) and an f32 checkpoint
    const request = parseDTypeRequest(values.dtype);
    process.stdout.write(`f16 weight storage: ${backend.f16 ?? 'unavailable'}\n`);
    for (const stored of ['f16', 'f32']) {
      try {
        process.stdout.write(`--dtype ${request}, ${stored} checkpoint: weights ${resolveWeightDType(request, [stored], backend).reason}\n`);
      } catch (e) {
        process.stdout.write(`--dtype ${request}, ${stored} checkpoint: ${(e as Error).message}\n`);
      }
    }
    const limits = (backend as { limits?: Record<string, number> }).limits;
    if (limits) for (const [k, v] of Object.entries(limits)) process.stdout.write(`  ${k}: ${v}\n`);
    backend.dispose();
  },
};
