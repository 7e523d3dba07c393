/**
 * Checks of the benchmark scripts' option values, after `node:util` `parseArgs` (`strict: true`, which
 * already rejects an unknown flag or a missing value and names it): numbers against the range a flag
 * expects, words and comma lists against their choices, `--hparam key=value` overrides. Every error names
 * the flag, what it expects and what it got, e.g. `--validation must be an integer >= 1 (got 'abc')` (the
 * wording of the `crossedit` command's own checks).
 */

/** What a numeric flag accepts. */
export interface NumberSpec {
  /** Integers only. */
  integer?: boolean;
  /** The smallest value accepted. */
  min?: number;
  /** The largest value accepted. */
  max?: number;
  /** Values must exceed this (a strict lower bound, e.g. 0 for a positive scale). */
  above?: number;
}

/** The range of `spec` in words: `>= 1`, `in 1..32`, `> 0` (empty when unbounded). */
function bounds(spec: NumberSpec): string {
  if (spec.min !== undefined && spec.max !== undefined) return ` in ${spec.min}..${spec.max}`;
  const b = [spec.min !== undefined ? `>= ${spec.min}` : '', spec.above !== undefined ? `> ${spec.above}` : '', spec.max !== undefined ? `<= ${spec.max}` : ''].filter(Boolean);
  return b.length ? ` ${b.join(' ')}` : '';
}

/** `spec` in words: `an integer >= 1`, `an integer in 1..32`, `a number > 0`. */
export function expectedNumber(spec: NumberSpec): string {
  return `${spec.integer ? 'an integer' : 'a number'}${bounds(spec)}`;
}

function fail(name: string, what: string, got: unknown): never {
  throw new Error(`--${name} must be ${what} (got '${String(got)}')`);
}

/** Parses one number against `spec`; throws naming `--name`, `what` it expects and what it `got`. */
function toNumber(name: string, raw: string, spec: NumberSpec, what = expectedNumber(spec), got = raw): number {
  const s = raw.trim();
  const n = s === '' ? NaN : Number(s);
  const ok = Number.isFinite(n) && (!spec.integer || Number.isSafeInteger(n)) && (spec.min === undefined || n >= spec.min) && (spec.max === undefined || n <= spec.max) && (spec.above === undefined || n > spec.above);
  if (!ok) fail(name, what, got);
  return n;
}

/**
 * The number of the string option `name` in `values` (parseArgs' result), or `fallback` when the flag was
 * not given.
 * @throws Error naming `--name`, the range expected and the value, for a non-number or a value out of range.
 */
export function numberFlag(values: Record<string, unknown>, name: string, spec: NumberSpec, fallback: number): number;
export function numberFlag(values: Record<string, unknown>, name: string, spec: NumberSpec): number | undefined;
export function numberFlag(values: Record<string, unknown>, name: string, spec: NumberSpec, fallback?: number): number | undefined {
  const v = values[name];
  if (v === undefined) return fallback;
  return toNumber(name, String(v), spec);
}

/**
 * The comma-separated numbers of the string option `name` (`--sizes 100,500`), or `fallback` when absent.
 * @throws Error naming `--name` and what each entry must be.
 */
export function numberListFlag(values: Record<string, unknown>, name: string, spec: NumberSpec, fallback: readonly number[]): number[] {
  if (values[name] === undefined) return [...fallback];
  const v = String(values[name]);
  const what = `comma-separated ${spec.integer ? 'integers' : 'numbers'}${bounds(spec)}`;
  return v.split(',').map((x) => toNumber(name, x, spec, what, v));
}

/**
 * The word of the string option `name`, one of `choices`, or `fallback` when absent.
 * @throws Error naming `--name` and the choices.
 */
export function choiceFlag<T extends string>(values: Record<string, unknown>, name: string, choices: readonly T[], fallback: T): T;
export function choiceFlag<T extends string>(values: Record<string, unknown>, name: string, choices: readonly T[]): T | undefined;
export function choiceFlag<T extends string>(values: Record<string, unknown>, name: string, choices: readonly T[], fallback?: T): T | undefined {
  const v = values[name];
  if (v === undefined) return fallback;
  if (!choices.includes(v as T)) fail(name, choices.length === 2 ? `${choices[0]} or ${choices[1]}` : `one of ${choices.join(', ')}`, v);
  return v as T;
}

/**
 * The comma-separated words of the string option `name` (`--methods serac,mend`), each one of `choices`,
 * or `fallback` when absent.
 * @throws Error naming `--name`, the entry and the choices.
 */
export function choiceListFlag<T extends string>(values: Record<string, unknown>, name: string, choices: readonly T[], fallback: readonly T[]): T[] {
  const v = values[name];
  if (v === undefined) return [...fallback];
  const list = String(v).split(',');
  for (const x of list) if (!choices.includes(x as T)) throw new Error(`--${name}: unknown entry '${x}' (${choices.join(', ')}) in '${String(v)}'`);
  return list as T[];
}

/**
 * `--hparam key=value` overrides (a `multiple: true` string option), each value JSON (`vNumGradSteps=3`,
 * `layers=[5]`); `{}` when none.
 * @throws Error naming `--name` and the entry, for an entry without `key=` or a value that is not JSON.
 */
export function keyValueFlags(values: Record<string, unknown>, name: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const list = values[name];
  for (const kv of (list === undefined ? [] : Array.isArray(list) ? list : [list]).map(String)) {
    const eq = kv.indexOf('=');
    if (eq <= 0) fail(name, 'key=value', kv);
    try {
      out[kv.slice(0, eq)] = JSON.parse(kv.slice(eq + 1));
    } catch {
      fail(name, 'key=value with a JSON value (a number, true/false, "text", [..])', kv);
    }
  }
  return out;
}
