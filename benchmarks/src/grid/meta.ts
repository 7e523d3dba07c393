/** Per-cell metadata: content hashes of hyperparameters and cell keys, and the versions of the packages involved. */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { canonicalJson } from '@crossedit/eval';
import { repoRoot } from './grid.config.js';

/**
 * SHA-256 (hex) of a value's canonical JSON (sorted keys), e.g. of a method's hyperparameters.
 * @example hashJson({ b: 1, a: 2 }) === hashJson({ a: 2, b: 1 }) // true
 */
export function hashJson(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

let workspace: Map<string, string> | undefined;

/** Name → version of every package of the workspace (read from their `package.json` files, once). */
export function workspaceVersions(root: string = repoRoot): ReadonlyMap<string, string> {
  if (workspace && root === repoRoot) return workspace;
  const out = new Map<string, string>();
  const add = (dir: string) => {
    const f = path.join(dir, 'package.json');
    if (!existsSync(f)) return;
    const pkg = JSON.parse(readFileSync(f, 'utf8')) as { name?: string; version?: string };
    if (pkg.name) out.set(pkg.name, pkg.version ?? '0.0.0');
  };
  for (const group of ['packages', 'plugins']) {
    const at = path.join(root, group);
    if (existsSync(at)) for (const d of readdirSync(at)) add(path.join(at, d));
  }
  add(path.join(root, 'benchmarks'));
  if (root === repoRoot) workspace = out;
  return out;
}

/**
 * The versions recorded with a cell: Node, the core packages, the backend's package, and the method's
 * and backbone's plugin packages when they are workspace packages (objects passed in code have none).
 */
export function cellVersions(parts: { backend: string; method: string; backbone: string }): Record<string, string> {
  const all = workspaceVersions();
  const out: Record<string, string> = { node: process.version };
  const names = ['@crossedit/core', '@crossedit/eval', '@crossedit/transformer', '@crossedit/cli', '@crossedit/benchmarks', `@crossedit/${parts.backend}`, `@crossedit/method-${parts.method}`, `@crossedit/backbone-${parts.backbone}`];
  for (const n of names) {
    const v = all.get(n);
    if (v !== undefined) out[n] = v;
  }
  return out;
}
