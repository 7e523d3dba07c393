/**
 * Finding an installed package the way Node would from another directory: walk up from a base
 * directory through `node_modules/<name>`, then pick the package's ESM entry from its `exports`. This is
 * how a plugin installed in the user's project (beside the CLI, not inside it) is found by id.
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { FormatError } from '@crossedit/core';

/** An installed package found from a base directory. */
export interface LocatedPackage {
  /** The package's directory (symlinks resolved). */
  dir: string;
  /** The absolute path of its ESM entry point. */
  entry: string;
}

/**
 * The conditions this process resolves with: Node's defaults plus every `--conditions`/`-C` given on
 * the command line or in `NODE_OPTIONS`.
 */
export function activeConditions(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ''): Set<string> {
  const out = new Set(['import', 'node', 'default']);
  const args = [...execArgv, ...nodeOptions.split(/\s+/).filter(Boolean)];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const m = /^(?:--conditions|-C)=(.+)$/.exec(a);
    if (m) out.add(m[1]);
    else if ((a === '--conditions' || a === '-C') && args[i + 1]) out.add(args[++i]);
  }
  return out;
}

/** The string targets of a conditional export, in the package's order, with their condition paths. */
function targets(exp: unknown, conds: string[] = []): { conds: string[]; target: string }[] {
  if (typeof exp === 'string') return [{ conds, target: exp }];
  if (Array.isArray(exp)) return exp.flatMap((e) => targets(e, conds));
  if (exp && typeof exp === 'object') return Object.entries(exp).flatMap(([k, v]) => (k === 'types' ? [] : targets(v, [...conds, k])));
  return [];
}

/**
 * The entry file of `pkg` (its parsed package.json) in `dir`: the first `exports["."]` target whose
 * conditions are all active, else `module`/`main`, else `index.js`. When that file is absent (a
 * workspace checkout without a build) and another target exists, the first existing one is used.
 * @throws FormatError naming the package.json when no entry exists.
 */
export function packageEntry(dir: string, pkg: Record<string, unknown>, conditions: ReadonlySet<string> = activeConditions()): string {
  const file = path.join(dir, 'package.json');
  const exp = pkg.exports as unknown;
  const root = exp && typeof exp === 'object' && !Array.isArray(exp) && Object.keys(exp).some((k) => k.startsWith('.')) ? (exp as Record<string, unknown>)['.'] : exp;
  const all = root === undefined ? [] : targets(root);
  if (exp !== undefined && all.length === 0) throw new FormatError(file, 'field "exports" has no "." entry: the package exports no main module');
  const chosen = all.find((t) => t.conds.every((c) => conditions.has(c)));
  const first = chosen?.target ?? (pkg.module as string | undefined) ?? (pkg.main as string | undefined) ?? 'index.js';
  const ordered = [first, ...all.map((t) => t.target)].map((t) => path.resolve(dir, t));
  const hit = ordered.find((p) => existsSync(p));
  if (!hit) throw new FormatError(file, `no entry file: expected ${ordered.map((p) => path.relative(dir, p)).join(' or ')} to exist`);
  return hit;
}

/**
 * Finds `name` from `baseDir` as Node would (the nearest `node_modules/<name>` walking up), or
 * undefined when it is not installed there.
 * @throws FormatError when the package is there but its package.json is unreadable or has no entry.
 */
export function locatePackage(name: string, baseDir: string): LocatedPackage | undefined {
  for (let d = path.resolve(baseDir); ; d = path.dirname(d)) {
    const cand = path.join(d, 'node_modules', ...name.split('/'));
    const pj = path.join(cand, 'package.json');
    if (existsSync(pj)) {
      let pkg: Record<string, unknown>;
      try {
        pkg = JSON.parse(readFileSync(pj, 'utf8')) as Record<string, unknown>;
      } catch (e) {
        throw new FormatError(pj, `not valid JSON (${(e as Error).message})`);
      }
      const dir = realpathSync(cand);
      return { dir, entry: packageEntry(dir, pkg) };
    }
    if (path.dirname(d) === d) return undefined;
  }
}
