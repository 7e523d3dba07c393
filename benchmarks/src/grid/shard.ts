/**
 * Sharding: a grid's work units are its cells × schedule groups (a group is one record under the `single`
 * schedule), numbered cell by cell in config order (backbone, method, edit language); unit k belongs to
 * shard k mod n. The split depends on the config only, so n processes on n machines (a Slurm array, a
 * Kubernetes indexed Job) each run `--shard i/n` into their own results folder and `grid merge` joins them.
 */

/** Shard `index` (0-based) of `count`. */
export interface ShardSpec {
  index: number;
  count: number;
}

/**
 * Parses `i/n` with 1 ≤ i ≤ n (as Slurm's `SLURM_ARRAY_TASK_ID` from 1 gives); `0-based` accepts 0 ≤ i < n
 * written `i/n` when prefixed by `@` (`@0/4`, for Kubernetes' `JOB_COMPLETION_INDEX`).
 * @throws Error naming the value and what was expected.
 * @example parseShard('2/4') // { index: 1, count: 4 }
 */
export function parseShard(v: string): ShardSpec {
  const m = /^(@?)(\d+)\/(\d+)$/.exec(v.trim());
  if (!m) throw new Error(`--shard: expected i/n (1 ≤ i ≤ n, e.g. 2/4) or @i/n (0-based), got '${v}'`);
  const zero = m[1] === '@';
  const i = Number(m[2]);
  const n = Number(m[3]);
  if (!(n >= 1) || (zero ? !(i >= 0 && i < n) : !(i >= 1 && i <= n))) {
    throw new Error(`--shard: '${v}' is out of range (${zero ? '0 ≤ i < n' : '1 ≤ i ≤ n'}, n ≥ 1)`);
  }
  return { index: zero ? i : i - 1, count: n };
}

/** `2/4` (1-based, as written on the command line). */
export function shardLabel(s: ShardSpec): string {
  return `${s.index + 1}/${s.count}`;
}

/** The shard of work unit `k`. */
export function shardOfUnit(k: number, count: number): number {
  return k % count;
}
