/**
 * Plugin resolution: a short id (`rome` → `@crossedit/method-rome`, `chinese-llama2` →
 * `@crossedit/backbone-chinese-llama2`), a package name, or a path to a module whose default export is
 * the plugin. Package names resolve from the user's project first (the current directory's
 * `node_modules`, walking up), then from the CLI's own dependencies (its defaults). The loaded object
 * is checked before use.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Backbone, EditMethod } from '@crossedit/core';
import { UsageError } from './backend.js';
import { locatePackage } from './locate.js';

/** Where plugins are looked up. */
export interface ResolveOptions {
  /** Project directories searched before the CLI's own dependencies (default: the current directory). */
  from?: readonly string[];
}

/**
 * The package names a plugin id stands for, in lookup order: `rome` → `@crossedit/method-rome`, then
 * `crossedit-method-rome` (the name for plugins published outside the `@crossedit` scope). A package
 * name stands for itself.
 */
export function pluginPackageNames(kind: 'method' | 'backbone', ref: string): string[] {
  return ref.startsWith('@') || ref.includes('/') || ref.startsWith(`crossedit-${kind}-`) ? [ref] : [`@crossedit/${kind}-${ref}`, `crossedit-${kind}-${ref}`];
}

async function importPlugin(kind: 'method' | 'backbone', ref: string, opts: ResolveOptions): Promise<unknown> {
  const isPath = ref.startsWith('.') || ref.startsWith('/') || /\.(m?[jt]s)$/.test(ref);
  const names = isPath ? [] : pluginPackageNames(kind, ref);
  const name = names[0];
  const from = opts.from ?? [process.cwd()];
  const local = names.flatMap((n) => from.map((d) => locatePackage(n, d))).find((p) => p !== undefined);
  const spec = isPath ? pathToFileURL(path.resolve(ref)).href : local ? pathToFileURL(local.entry).href : name;
  let mod: { default?: unknown };
  try {
    mod = (await import(spec)) as { default?: unknown };
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' && String((e as Error).message).includes(spec)) {
      const where = isPath ? `the file ${spec}` : `the package ${names.join(' or ')} (looked in ${from.map((d) => path.join(d, 'node_modules')).join(', ')} and up, then in the CLI's own dependencies; install it beside the CLI, e.g. pnpm add ${name})`;
      throw new UsageError(`unknown ${kind} '${ref}': could not find ${where}`);
    }
    throw e;
  }
  let d = mod.default;
  // CJS interop: a default nested in a default
  if (d && typeof d === 'object' && 'default' in d && !('id' in d)) d = (d as { default: unknown }).default;
  return d;
}

/** Loads and checks a method plugin. */
export async function resolveMethod(ref: string, opts: ResolveOptions = {}): Promise<EditMethod<Record<string, unknown>>> {
  const m = (await importPlugin('method', ref, opts)) as Partial<EditMethod> | undefined;
  const missing = ['id', 'hparams', 'apply', 'requires', 'supports'].filter((k) => !m || !(k in m));
  if (!m || missing.length) {
    throw new UsageError(`'${ref}' is not a method plugin: its default export lacks ${missing.join(', ')} (use defineMethod from @crossedit/core)`);
  }
  if (typeof m.requires !== 'function') {
    throw new UsageError(`'${ref}' is not a method plugin of this contract: 'requires' must be a function of the parsed hyperparameters, e.g. requires: (h) => ({ gradients: true })`);
  }
  return m as EditMethod<Record<string, unknown>>;
}

/** Loads and checks a backbone plugin. */
export async function resolveBackbone(ref: string, opts: ResolveOptions = {}): Promise<Backbone> {
  const b = (await importPlugin('backbone', ref, opts)) as Partial<Backbone> | undefined;
  const missing = ['id', 'config', 'loadModel', 'createTokenizer'].filter((k) => !b || !(k in b));
  if (!b || missing.length) {
    throw new UsageError(`'${ref}' is not a backbone plugin: its default export lacks ${missing.join(', ')} (use defineBackbone from @crossedit/core)`);
  }
  return b as Backbone;
}
