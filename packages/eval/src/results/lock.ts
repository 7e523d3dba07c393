/**
 * An exclusive lock on a results directory: `results.lock` holds the owner's pid, host, start time and
 * command. A second run on the same directory stops with a message naming the holder; a lock whose
 * process is gone (same host, pid not alive) is stale and taken over.
 */
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { checkResultsDir } from './outdir.js';

/** What `results.lock` holds. */
export interface LockHolder {
  pid: number;
  host: string;
  /** ISO 8601 time the lock was taken. */
  started: string;
  /** The command line of the holder. */
  command: string;
}

/** The directory is locked by another live run. */
export class ResultsLockedError extends Error {
  override name = 'ResultsLockedError';
  constructor(
    readonly file: string,
    readonly holder: LockHolder | null,
    detail?: string,
  ) {
    const who = holder ? `pid ${holder.pid} on ${holder.host} (started ${holder.started}: ${holder.command})` : 'an unknown run';
    super(
      `${file}: this results directory is in use by ${who}${detail ? `; ${detail}` : ''}. ` +
        'Two runs on one directory would duplicate records; wait for it to finish, stop it, or use another --out. ' +
        'If no such run exists, delete the lock file.',
    );
  }
}

/** The lock file's name inside a results directory. */
export const LOCK_FILE = 'results.lock';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(file: string): LockHolder | null | 'gone' {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw e;
  }
  try {
    const h = JSON.parse(text) as LockHolder;
    return Number.isInteger(h.pid) && typeof h.host === 'string' ? h : null;
  } catch {
    return null;
  }
}

/** A held lock; {@link DirLock.release} (or process exit) removes it. */
export class DirLock {
  private released = false;
  private readonly onExit = (): void => this.release();

  constructor(
    /** The lock file. */
    readonly file: string,
    /** What this process wrote into it. */
    readonly holder: LockHolder,
    /** The pid of a dead run whose stale lock was taken over, if any. */
    readonly staleTakenOver?: LockHolder,
  ) {
    process.on('exit', this.onExit);
  }

  /** Removes the lock file if it is still ours. Idempotent. */
  release(): void {
    if (this.released) return;
    this.released = true;
    process.off('exit', this.onExit);
    const now = readHolder(this.file);
    if (now !== 'gone' && now && now.pid === this.holder.pid && now.started === this.holder.started) {
      try {
        unlinkSync(this.file);
      } catch {
        // already gone
      }
    }
  }
}

/**
 * Creates `dir` if needed (after {@link checkResultsDir}) and takes its lock atomically (the content is
 * written to a private file, then hard-linked into place).
 * @throws ResultsDirError when `dir` cannot hold results; ResultsLockedError when a live run holds it.
 * @example
 * const lock = acquireResultsLock('out/rome-en');
 * try { ... } finally { lock.release(); }
 */
export function acquireResultsLock(dir: string, command = process.argv.slice(1).join(' ')): DirLock {
  checkResultsDir(dir);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, LOCK_FILE);
  const me: LockHolder = { pid: process.pid, host: hostname(), started: new Date().toISOString(), command };
  const tmp = join(dir, `.${LOCK_FILE}.${process.pid}.${Date.now()}`);
  writeFileSync(tmp, `${JSON.stringify(me)}\n`);
  let stale: LockHolder | undefined;
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        linkSync(tmp, file);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        const h = readHolder(file);
        if (h === 'gone') continue;
        if (h === null) throw new ResultsLockedError(file, null, 'the lock file is unreadable');
        if (h.host !== me.host) throw new ResultsLockedError(file, h, 'on another host, so this run cannot tell whether it still runs');
        if (alive(h.pid)) throw new ResultsLockedError(file, h);
        // stale: its process is gone
        stale = h;
        try {
          unlinkSync(file);
        } catch {
          // someone else removed it first
        }
        continue;
      }
      // verify: a racing stale takeover could have replaced the file between link and now
      const now = readHolder(file);
      if (now !== 'gone' && now && now.pid === me.pid && now.started === me.started) return new DirLock(file, me, stale);
      throw new ResultsLockedError(file, now === 'gone' ? null : now, 'another run took the lock at the same moment');
    }
    throw new ResultsLockedError(file, null, 'the lock kept changing while this run tried to take it');
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      // gone
    }
  }
}
