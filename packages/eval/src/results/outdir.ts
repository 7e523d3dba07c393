/** Checking a results directory before anything expensive: not a file, not under a file, not in /proc. */
import { accessSync, constants, realpathSync, statSync, statfsSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** A results directory that cannot hold results. */
export class ResultsDirError extends Error {
  override name = 'ResultsDirError';
  constructor(
    /** The directory as given. */
    readonly dir: string,
    reason: string,
  ) {
    super(`results directory ${dir}: ${reason}`);
  }
}

/** statfs magic numbers of kernel pseudo file systems (linux/magic.h). */
const PSEUDO_FS: ReadonlyMap<number, string> = new Map([
  [0x9fa0, 'proc'],
  [0x62656572, 'sysfs'],
  [0x63677270, 'cgroup2'],
  [0x27e0eb, 'cgroup'],
  [0x64626720, 'debugfs'],
  [0x74726163, 'tracefs'],
  [0x73636673, 'securityfs'],
  [0x1cd1, 'devpts'],
]);
const PSEUDO_PREFIXES = ['/proc', '/sys'];

function statOrNull(p: string): Stats | null {
  try {
    return statSync(p);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code === 'ENOTDIR') return null;
    throw e;
  }
}

/**
 * Checks, without creating anything, that `dir` can become a results directory: it is a directory or
 * does not exist yet; its nearest existing ancestor is a writable directory; and it is not on a kernel
 * pseudo file system (`/proc`, `/sys`, cgroup, ...), where creating folders fails or never ends.
 * @throws ResultsDirError naming the directory and the problem.
 * @example checkResultsDir('/proc/out') // throws: "is on the proc file system"
 */
export function checkResultsDir(dir: string): void {
  if (dir.trim() === '') throw new ResultsDirError(dir, 'empty path');
  const abs = resolve(dir);
  let at = abs;
  let st = statOrNull(at);
  while (st === null) {
    const up = dirname(at);
    if (up === at) break;
    at = up;
    st = statOrNull(at);
  }
  if (st === null) throw new ResultsDirError(dir, 'no existing ancestor directory');
  if (!st.isDirectory()) {
    throw new ResultsDirError(dir, at === abs ? 'exists and is not a directory (a file?)' : `${at} is a file, not a directory`);
  }
  const real = realpathSync(at);
  const prefix = PSEUDO_PREFIXES.find((p) => real === p || real.startsWith(`${p}/`));
  let fs: string | undefined = prefix ? prefix.slice(1) : undefined;
  try {
    fs ??= PSEUDO_FS.get(Number(statfsSync(real).type));
  } catch {
    // statfs is not available everywhere; the prefix check above still applies
  }
  if (fs) throw new ResultsDirError(dir, `${real} is on the ${fs} file system, which cannot hold files`);
  try {
    accessSync(real, constants.W_OK);
  } catch {
    throw new ResultsDirError(dir, `${real} is not writable`);
  }
}
