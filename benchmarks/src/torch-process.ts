/**
 * A PyTorch reference script (`benchmarks/torch/*.py`) as a child process that answers one JSON line per
 * request line: the interleaved PyTorch side of the methods and train-speed benchmarks. The script gets
 * `PROBLEM THREADS` as arguments, prints a ready line first (with `torch` and `threads`), and ends on
 * `quit`; an `error` field rejects the request, and an exit rejects every pending one with the last
 * lines of its stderr.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';

/** A running line-protocol script. */
export class TorchProcess {
  readonly #proc: ChildProcessWithoutNullStreams;
  readonly #queue: ((line: string) => void)[] = [];
  #stderr = '';
  /** Torch version and thread count from the script's ready line. */
  info: { torch: string; threads: number } = { torch: '?', threads: 0 };

  private constructor(python: string, script: string, problem: string, threads: number) {
    this.#proc = spawn(python, [script, problem, String(threads)], {
      env: { ...process.env, OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads), OMP_WAIT_POLICY: 'PASSIVE' },
    });
    this.#proc.stderr.on('data', (d: Buffer) => (this.#stderr = (this.#stderr + d.toString()).slice(-4000)));
    createInterface({ input: this.#proc.stdout }).on('line', (l) => this.#queue.shift()?.(l));
    this.#proc.on('exit', (code) => {
      const why = `${path.basename(script)} exited with ${code}: ${this.#stderr.trim().split('\n').slice(-3).join(' / ')}`;
      for (const f of this.#queue.splice(0)) f(JSON.stringify({ error: why }));
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

  /** Starts `script` on a problem file and waits for its ready line. */
  static async start(python: string, script: string, problem: string, threads: number): Promise<TorchProcess> {
    const t = new TorchProcess(python, script, problem, threads);
    const ready = await t.#next();
    t.info = { torch: String(ready.torch), threads: Number(ready.threads) };
    return t;
  }

  /** Sends one request line and resolves with the script's answer. */
  request(line: string): Promise<Record<string, unknown>> {
    const p = this.#next();
    this.#proc.stdin.write(`${line}\n`);
    return p;
  }

  /** Ends the process. */
  async close(): Promise<void> {
    if (this.#proc.exitCode !== null) return;
    const done = new Promise((r) => this.#proc.once('exit', r));
    this.#proc.stdin.end('quit\n');
    await done;
  }
}
