/**
 * `pnpm grid --jobs N`: the grid on N worker processes of this machine. The cpu backends run one
 * thread, so N processes use N cores. Each worker runs the same command as shard `i/N` (`--shard`,
 * the split that machines use) into `<out>/jobs/<i>-of-<N>/`; the parent draws one progress bar from
 * the workers' messages, prefixes their log lines with `[job i/N]`, and when all have finished merges the
 * shard folders into `<out>` (`grid merge`: the same numbers as one process, each cell naming its runs).
 * The same command resumes: each worker resumes its shard folder.
 */
import { fork } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ProgressBar } from '@crossedit/cli';
import { mergeGrid } from './merge.js';
import type { GridReport } from './report.js';

/** A message from a worker to the parent. */
/** `plan`: the edits of the cells a worker will run (per backbone); `edit`: a cell's edits done so far of its total. */
export type JobMessage = { type: 'plan'; pending: number } | { type: 'edit'; cell: string; done: number; total: number };

/** The environment variable that marks a worker (its 1-based job number). */
export const JOB_ENV = 'CROSSEDIT_GRID_JOB';

/** Options the parent sets on the workers' command lines itself. */
const OWN = new Set(['--jobs', '--shard', '--out', '--quiet']);
const FLAGS = new Set(['--quiet', '--verify-restore', '--help', '-h']);

/** `argv` without the options the parent decides per worker (`--jobs`, `--shard`, `--out`, `--quiet`). */
export function workerArgs(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const name = a.includes('=') ? a.slice(0, a.indexOf('=')) : a;
    if (OWN.has(name)) {
      if (!a.includes('=') && !FLAGS.has(name)) i++;
      continue;
    }
    out.push(a);
  }
  return out;
}

/** The shard folder of job `i` (1-based) of `n`. */
export function jobDir(outDir: string, i: number, n: number): string {
  return path.join(path.resolve(outDir), 'jobs', `${i}-of-${n}`);
}

/** Sends a message to the parent when this process is a `--jobs` worker (no-op otherwise). */
export function tellParent(m: JobMessage): void {
  if (process.env[JOB_ENV] && process.send) process.send(m);
}

/**
 * Runs `jobs` workers over the grid and merges their folders into `outDir`.
 * @throws Error when a worker fails (naming it and its exit code); the other workers are stopped.
 */
export async function runJobs(argv: readonly string[], outDir: string, jobs: number, opts: { progress?: boolean; log?: (l: string) => void } = {}): Promise<GridReport> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const main = fileURLToPath(new URL('../main.ts', import.meta.url));
  const base = workerArgs(argv);
  const plans = new Map<number, number>();
  const done = new Map<string, number>();
  let bar: ProgressBar | undefined;
  const cells = new Map<number, string>();
  const redraw = () => {
    if (opts.progress === false) return;
    if (plans.size === jobs && !bar) bar = new ProgressBar(`grid, ${jobs} jobs`, [...plans.values()].reduce((a, b) => a + b, 0));
    bar?.update(
      [...done.values()].reduce((a, b) => a + b, 0),
      [...cells].map(([j, c]) => `${j}:${c}`).join(' '),
    );
  };
  const children = Array.from({ length: jobs }, (_, k) => {
    const i = k + 1;
    const args = ['grid', ...base, '--shard', `${i}/${jobs}`, '--out', jobDir(outDir, i, jobs), '--quiet'];
    const child = fork(main, args, { execArgv: process.execArgv, env: { ...process.env, [JOB_ENV]: String(i) }, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    createInterface({ input: child.stderr! }).on('line', (l) => {
      if (bar && process.stderr.isTTY) process.stderr.write('\r\x1b[K');
      log(`[job ${i}/${jobs}] ${l}`);
    });
    child.on('message', (m: JobMessage) => {
      if (m.type === 'plan') {
        plans.set(i, (plans.get(i) ?? 0) + m.pending);
        if (bar) bar.total = [...plans.values()].reduce((a, b) => a + b, 0);
      } else {
        // each cell reports its edits done so far (resumed ones included) out of its total
        done.set(`${i}|${m.cell}`, m.done);
        cells.set(i, `${m.cell} ${m.done}/${m.total}`);
      }
      redraw();
    });
    return { i, child, exit: new Promise<number>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)))) };
  });
  const stopAll = () => {
    for (const c of children) if (c.child.exitCode === null) c.child.kill('SIGTERM');
  };
  process.once('SIGINT', stopAll);
  process.once('SIGTERM', stopAll);
  try {
    const codes = await Promise.all(
      children.map(async (c) => {
        const code = await c.exit;
        if (code !== 0) stopAll();
        return code;
      }),
    );
    bar?.finish();
    const bad = children.filter((_, k) => codes[k] !== 0);
    if (bad.length) throw new Error(`grid --jobs ${jobs}: ${bad.map((c) => `job ${c.i} (${jobDir(outDir, c.i, jobs)}) exited with code ${codes[c.i - 1]}`).join('; ')}; run the same command again to resume`);
  } finally {
    process.off('SIGINT', stopAll);
    process.off('SIGTERM', stopAll);
  }
  return mergeGrid(
    children.map((c) => jobDir(outDir, c.i, jobs)),
    { outDir: path.resolve(outDir) },
  );
}
