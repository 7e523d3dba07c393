/**
 * Exiting when the process that started the CLI goes away. `pnpm crossedit ...` runs node under
 * `pnpm → sh -c → node`; killing pnpm leaves node running (SIGTERM: sh dies and node is re-parented;
 * SIGKILL: sh stays). So the CLI watches its parent and, when run as a package script, pnpm as well,
 * and exits (releasing its locks through the `exit` handlers) when either is gone. SIGHUP/SIGTERM/SIGINT
 * exit the same way, with the usual 128 + signal number, unless the running command listens to that
 * signal itself (e.g. `stats` checkpoints on SIGINT; `train` checkpoints on all three, and takes a
 * vanished parent as a SIGHUP). Stdin is not watched: a CI job that closes
 * stdin must keep working.
 */
import { readFileSync } from 'node:fs';

/** The signals the CLI stops on, with their numbers (the exit status is 128 + n). */
export const STOP_SIGNALS = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as const;

/** One of {@link STOP_SIGNALS}. */
export type StopSignal = keyof typeof STOP_SIGNALS;

/** The parent pid of `pid` (from /proc), or undefined when it cannot be read. */
export function parentOf(pid: number | 'self'): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid ..."; comm may contain spaces and parentheses, so read after the last ')'
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ppid = Number(rest[1]);
    return Number.isInteger(ppid) ? ppid : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Options of {@link installLifeline}. */
export interface LifelineOptions {
  /** Poll interval in milliseconds (default 1000). */
  intervalMs?: number;
  /** Where the one-line notice goes (default stderr). */
  write?: (line: string) => void;
  /** Exit (default `process.exit`). */
  exit?: (code: number) => void;
}

/**
 * Installs the signal handlers and the parent watch. `CROSSEDIT_DETACHED=1` turns the parent watch off
 * (for a run that is meant to outlive its starter, e.g. under `setsid`).
 * @returns a function that removes both again
 */
export function installLifeline(opts: LifelineOptions = {}): () => void {
  const write = opts.write ?? ((l: string) => process.stderr.write(l));
  const exit = opts.exit ?? ((c: number) => process.exit(c));
  const handlers: [string, () => void][] = [];
  for (const [sig, n] of Object.entries(STOP_SIGNALS)) {
    const h = () => {
      // a command that handles the signal itself (stats checkpoints on SIGINT) keeps it
      if (process.listenerCount(sig) > 1) return;
      write(`\ncrossedit: ${sig} received; stopping (finished records are kept; rerun the same command to resume)\n`);
      exit(128 + n);
    };
    process.on(sig, h);
    handlers.push([sig, h]);
  }
  let timer: NodeJS.Timeout | undefined;
  if (process.env.CROSSEDIT_DETACHED !== '1') {
    const parent = parentOf('self') ?? process.ppid;
    // under a package script (pnpm/npm run), the wrapper is the parent's parent when sh stays in between
    const underScript = process.env.npm_lifecycle_event !== undefined;
    const grand = underScript ? parentOf(parent) : undefined;
    const watched = [parent, ...(grand !== undefined && grand > 1 ? [grand] : [])];
    timer = setInterval(() => {
      const now = parentOf('self');
      const grandNow = grand !== undefined ? parentOf(parent) : undefined;
      const gone = (now !== undefined ? now !== parent : !alive(parent)) || (grand !== undefined && grand > 1 && (grandNow !== undefined ? grandNow !== grand : !alive(grand)));
      if (gone) {
        write(`\ncrossedit: the process that started this one (pid ${watched.join(' / ')}) is gone; stopping (rerun the same command to resume)\n`);
        // a command that stops cleanly on a hang-up (train: checkpoint, then return) is told so instead
        if (process.listenerCount('SIGHUP') > 1) {
          clearInterval(timer);
          process.emit('SIGHUP', 'SIGHUP');
        } else exit(129);
      }
    }, opts.intervalMs ?? 1000);
    timer.unref();
  }
  return () => {
    if (timer) clearInterval(timer);
    for (const [sig, h] of handlers) process.off(sig, h);
  };
}
