/** Subsets of a dataset: `--ids 0-9,15` and `--limit 20`. */
import { FormatError } from '@crossedit/core';

/** Which records to keep: file indices (`ids`) and/or the first `limit` of them. */
export interface SubsetOptions {
  /** Record indices in the file (0-based), in any order; duplicates are ignored. */
  ids?: readonly number[];
  /** Keep at most this many records (after `ids`). */
  limit?: number;
}

/** Ranges larger than this are refused even when the dataset size is not known (bounded memory). */
const MAX_RANGE = 10_000_000;

/**
 * Parses an id list such as `"0-9,15,20-22"` into sorted unique indices. An empty list (`""`, `","`) is
 * an error, not "nothing to do". With `total` (the number of records in the file), an id at or past it
 * is refused before any range is expanded, so `0-100000000000` fails at once in bounded memory.
 * @param total number of records in the dataset; ids must be below it
 * @throws Error naming the bad part.
 * @example parseIdList('3,0-2') // [0, 1, 2, 3]
 */
export function parseIdList(spec: string, total?: number): number[] {
  const parts = spec.split(',').map((s) => s.trim()).filter(Boolean);
  if (parts.length === 0) throw new Error(`invalid id list ${JSON.stringify(spec)}: no ids (write e.g. 0-9,15)`);
  const ranges: [number, number][] = [];
  for (const part of parts) {
    const m = /^(\d+)(?:\s*-\s*(\d+))?$/.exec(part);
    if (!m) throw new Error(`invalid id list ${JSON.stringify(spec)}: "${part}" is not a number or a range like 3-7`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a) throw new Error(`invalid id list ${JSON.stringify(spec)}: range "${part}" goes backwards`);
    if (total !== undefined && b >= total) throw new Error(`invalid id list ${JSON.stringify(spec)}: "${part}" is outside the dataset, which has records 0-${total - 1}`);
    if (b - a >= MAX_RANGE) throw new Error(`invalid id list ${JSON.stringify(spec)}: range "${part}" has more than ${MAX_RANGE} ids`);
    ranges.push([a, b]);
  }
  const out = new Set<number>();
  for (const [a, b] of ranges) for (let i = a; i <= b; i++) out.add(i);
  return [...out].sort((x, y) => x - y);
}

/**
 * Selects records by their file index and/or a limit, keeping file order.
 * @param file named in the error for ids outside the file
 * @throws FormatError when an id is not a record of the file.
 */
export function selectSubset<T extends { index: number }>(records: readonly T[], opts: SubsetOptions, file = 'dataset', total?: number): T[] {
  let out: T[] = [...records];
  if (opts.ids !== undefined) {
    const byIndex = new Map(records.map((r) => [r.index, r]));
    const n = total ?? records.length;
    const want = [...new Set(opts.ids)].sort((a, b) => a - b);
    const missing = want.filter((i) => !byIndex.has(i));
    if (missing.length) {
      const outside = missing.filter((i) => i < 0 || i >= n || !Number.isInteger(i));
      const why = outside.length === missing.length ? `the file has records 0-${n - 1}` : 'left out when loading (e.g. an empty alt)';
      throw new FormatError(file, `ids ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', …' : ''} are not usable records (${why})`);
    }
    out = want.map((i) => byIndex.get(i) as T);
  }
  if (opts.limit !== undefined) {
    if (!Number.isInteger(opts.limit) || opts.limit < 0) throw new Error(`limit must be a non-negative integer, got ${opts.limit}`);
    out = out.slice(0, opts.limit);
  }
  return out;
}
