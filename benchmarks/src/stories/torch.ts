/**
 * Drives `benchmarks/torch/edit_reference.py` (PyTorch fp32) as a child process: one edit per request
 * line, so that the benchmark can interleave it with the project's edits. Uses Debian's
 * `/usr/bin/python3` (python3-torch) with 2 threads and `OMP_WAIT_POLICY=PASSIVE`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TorchProcess } from '../torch-process.js';

const SCRIPT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../torch/edit_reference.py');

/** One edit's answer: its wall and CPU time and the weight deltas (flat, row-major). */
export interface TorchEdit {
  ms: number;
  cpuMs: number;
  deltas: number[][];
}

/** The Python interpreter with torch, or null with the reason. */
export function findTorchPython(): { python: string } | { missing: string } {
  const python = process.env.CROSSEDIT_TORCH_PYTHON ?? '/usr/bin/python3';
  if (!existsSync(python)) return { missing: `${python} does not exist (apt-get install python3-torch)` };
  const r = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  if (r.status !== 0) return { missing: `${python} cannot import torch (apt-get install python3-torch libopenblas0-pthread)` };
  return { python };
}

/** A running reference process. */
export class TorchReference {
  private constructor(readonly proc: TorchProcess) {}

  /** Torch version and thread count reported by the script. */
  get info(): { torch: string; threads: number } {
    return this.proc.info;
  }

  /** Starts the script on a problem file and waits until it has loaded the weights. */
  static async start(python: string, problem: string, threads = 2): Promise<TorchReference> {
    return new TorchReference(await TorchProcess.start(python, SCRIPT, problem, threads));
  }

  /** Runs one edit of `method` in PyTorch. */
  async edit(method: 'rome' | 'memit' | 'ft'): Promise<TorchEdit> {
    const v = await this.proc.request(method);
    return { ms: Number(v.ms), cpuMs: Number(v.cpuMs), deltas: v.deltas as number[][] };
  }

  /** Ends the process. */
  close(): Promise<void> {
    return this.proc.close();
  }
}

