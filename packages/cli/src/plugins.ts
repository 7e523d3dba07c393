/**
 * Plugin resolution: a short id (`rome` → `@crossedit/method-rome`, `chinese-llama2` →
 * `@crossedit/backbone-chinese-llama2`) or a path to a module whose default export is the plugin.
 * The loaded object is checked before use.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Backbone, EditMethod } from '@crossedit/core';
import { UsageError } from './backend.js';

async function importPlugin(kind: 'method' | 'backbone', ref: string): Promise<unknown> {
  const isPath = ref.startsWith('.') || ref.startsWith('/') || /\.(m?[jt]s)$/.test(ref);
  const spec = isPath ? pathToFileURL(path.resolve(ref)).href : ref.startsWith('@') ? ref : `@crossedit/${kind}-${ref}`;
  let mod: { default?: unknown };
  try {
    mod = (await import(spec)) as { default?: unknown };
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' && String((e as Error).message).includes(spec)) {
      throw new UsageError(`unknown ${kind} '${ref}': could not find ${isPath ? 'the file' : 'the package'} ${spec}`);
    }
    throw e;
  }
  let d = mod.default;
  // CJS interop: a default nested in a default
  if (d && typeof d === 'object' && 'default' in d && !('id' in d)) d = (d as { default: unknown }).default;
  return d;
}

/** Loads and checks a method plugin. */
export async function resolveMethod(ref: string): Promise<EditMethod<Record<string, unknown>>> {
  const m = (await importPlugin('method', ref)) as Partial<EditMethod> | undefined;
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
export async function resolveBackbone(ref: string): Promise<Backbone> {
  const b = (await importPlugin('backbone', ref)) as Partial<Backbone> | undefined;
  const missing = ['id', 'config', 'loadModel', 'createTokenizer'].filter((k) => !b || !(k in b));
  if (!b || missing.length) {
    throw new UsageError(`'${ref}' is not a backbone plugin: its default export lacks ${missing.join(', ')} (use defineBackbone from @crossedit/core)`);
  }
  return b as Backbone;
}
