/**
 * Drives `benchmarks/torch/edit_reference.py` (PyTorch fp32) as a child process: one edit per request
 * line, so that the benchmark can interleave it with the project's edits. Uses Debian's
 * `/usr/bin/python3` (python3-torch) with 2 threads and `OMP_WAIT_POLICY=PASSIVE`.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';

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
  readonly #proc: ChildProcessWithoutNullStreams;
  readonly #lines: Interface;
  readonly #queue: ((line: string) => void)[] = [];
  #stderr = '';
  /** Torch version and thread count reported by the script. */
  info: { torch: string; threads: number } = { torch: '?', threads: 0 };

  private constructor(python: string, problem: string, threads: number) {
    this.#proc = spawn(python, [SCRIPT, problem, String(threads)], {
      env: { ...process.env, OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads), OMP_WAIT_POLICY: 'PASSIVE' },
    });
    this.#proc.stderr.on('data', (d: Buffer) => (this.#stderr = (this.#stderr + d.toString()).slice(-4000)));
    this.#lines = createInterface({ input: this.#proc.stdout });
    this.#lines.on('line', (l) => this.#queue.shift()?.(l));
    this.#proc.on('exit', (code) => {
      for (const f of this.#queue.splice(0)) f(JSON.stringify({ error: `edit_reference.py exited with ${code}: ${this.#stderr.trim().split('\n').slice(-3).join(' / ')}` }));
    });
  }

  #next(): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) =>
      this.#queue.push((l) => {
        const v = JSON.parse(l) as Record<string, unknown>;
        if (typeof v.error === 'string') reject(new Error(v.error));
        else resolve(v);
      }),
    );
  }

  /** Starts the script on a problem file and waits until it has loaded the weights. */
  static async start(python: string, problem: string, threads = 2): Promise<TorchReference> {
    const t = new TorchReference(python, problem, threads);
    const ready = await t.#next();
    t.info = { torch: String(ready.torch), threads: Number(ready.threads) };
    return t;
  }

  /** Runs one edit of `method` in PyTorch. */
  async edit(method: 'rome' | 'memit' | 'ft'): Promise<TorchEdit> {
    const p = this.#next();
    this.#proc.stdin.write(`${method}\n`);
    const v = await p;
    return { ms: Number(v.ms), cpuMs: Number(v.cpuMs), deltas: v.deltas as number[][] };
  }

  /** Ends the process. */
  async close(): Promise<void> {
    if (this.#proc.exitCode !== null) return;
    const done = new Promise((r) => this.#proc.once('exit', r));
    this.#proc.stdin.end('quit\n');
    await done;
  }
}
