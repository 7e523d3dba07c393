/**
 * What `edit`, `eval` and `demo` share: a backend, a backbone with its model and tokenizer, a method
 * with its hyperparameters (defaults ← backbone presets ← `--hparam key=value`), and the method context.
 */
import path from 'node:path';
import {
  checkHparamsForModel,
  hparamLayers,
  HparamError,
  parseHparams,
  parseHparamValue,
  Rng,
  setBackend,
  weightDTypeLabel,
  WEIGHT_DTYPE_REQUESTS,
  type Backend,
  type Backbone,
  type EditContext,
  type EditMethod,
  type LanguageModel,
  type Tokenizer,
  type WeightDTypeRequest,
} from '@crossedit/core';
import { openStats, weightsHash } from '@crossedit/stats';
import type { OptionSpec } from './args.js';
import { createBackend, parseBackendKind, UsageError } from './backend.js';
import { resolveBackbone, resolveMethod } from './plugins.js';
import { ProgressBar } from './progress.js';
import { sharedDir } from './shared.js';

/** `--dtype`: the storage dtype of the weight matrices. */
export const DTYPE_OPTION: OptionSpec = {
  type: 'string',
  help: 'weight storage: auto (f16 for f16/bf16 checkpoints on a GPU with shader-f16, else f32), f32 or f16',
  arg: 'DTYPE',
  default: 'auto',
};

/** Parses `--dtype`. @throws UsageError for another value. */
export function parseDTypeRequest(v: unknown): WeightDTypeRequest {
  const s = (v as string | undefined) ?? 'auto';
  if (!(WEIGHT_DTYPE_REQUESTS as readonly string[]).includes(s)) throw new UsageError(`--dtype must be one of ${WEIGHT_DTYPE_REQUESTS.join(', ')} (got '${s}')`);
  return s as WeightDTypeRequest;
}

/** Options every model-loading command takes. */
export const MODEL_OPTIONS: Record<string, OptionSpec> = {
  backbone: { type: 'string', help: 'backbone plugin id or module path', arg: 'ID', default: 'tiny' },
  'model-dir': { type: 'string', help: 'local model directory (HF layout, or a .gguf file)', arg: 'DIR' },
  tokenizer: { type: 'string', help: 'tokenizer file overriding the model directory', arg: 'FILE' },
  backend: { type: 'string', help: 'auto, webgpu, cpu (float64 reference) or cpu-f32', arg: 'KIND', default: 'auto' },
  dtype: DTYPE_OPTION,
  seed: { type: 'string', help: 'random seed', arg: 'N', default: '0' },
};

/** Options of commands that apply a method. */
export const METHOD_OPTIONS: Record<string, OptionSpec> = {
  method: { type: 'string', help: 'method plugin id or module path', arg: 'ID', default: 'rome' },
  hparam: { type: 'string', multiple: true, help: 'hyperparameter override key=value', arg: 'K=V' },
  preset: { type: 'string', help: "one of the method's named hyperparameter sets (under --hparam)", arg: 'NAME' },
  'stats-dir': { type: 'string', help: 'second-moment statistics artifacts (MEMIT)', arg: 'DIR' },
  'cache-dir': { type: 'string', help: 'caches (context templates, IKE banks)', arg: 'DIR', default: '.cache/crossedit' },
  'data-dir': { type: 'string', help: 'training data root (IKE banks), default ../shared/data', arg: 'DIR' },
};

/** A loaded backbone. */
export interface ModelSession {
  backend: Backend;
  backbone: Backbone;
  model: LanguageModel;
  tokenizer: Tokenizer;
  seed: number;
  /** The weights' storage dtype as results record it (`f32`, `f16`, `f16-widened`). */
  weightDtype: string;
}

/** Loads backend, backbone, model and tokenizer from the command's options. */
export async function openModel(values: Record<string, unknown>): Promise<ModelSession> {
  const seed = Number(values.seed ?? 0);
  if (!Number.isInteger(seed)) throw new UsageError(`--seed must be an integer (got '${values.seed}')`);
  const backbone = await resolveBackbone((values.backbone as string) ?? 'tiny');
  // the backbone's own config sizes the model for `auto` only when no other model directory is given
  const hint = values['model-dir'] === undefined ? { config: backbone.config } : {};
  const backend = await createBackend(parseBackendKind(values.backend as string | undefined), undefined, hint);
  setBackend(backend);
  const src = { modelDir: values['model-dir'] as string | undefined, tokenizerPath: values.tokenizer as string | undefined };
  const dtype = parseDTypeRequest(values.dtype);
  let reason: string | undefined;
  let bar: ProgressBar | undefined;
  // the progress line names the weight dtype once the loader has chosen it (before the first tensor)
  // LLaMA-family loaders report checkpoint bytes read (the line shows GB and MB/s)
  const progress = () => (bar ??= new ProgressBar(`loading ${backbone.id}${reason ? ` in ${reason}` : ''}`, 1, process.stderr, 'bytes'));
  const model = await backbone.loadModel(src, {
    backend,
    dtype,
    onDType: (c) => (reason = c.reason),
    onProgress: (d, t, name) => {
      const b = progress();
      b.total = t;
      b.update(d, name ?? '');
    },
  });
  progress().finish();
  const weightDtype = weightDTypeLabel(model);
  if (dtype === 'f16' && weightDtype === 'f32') {
    model.dispose();
    throw new UsageError(`--dtype f16: the '${backbone.id}' backbone loaded its weights in f32 (it does not support --dtype); use --dtype auto or f32`);
  }
  process.stderr.write(`weights: ${weightDtype}${reason ? ` — ${reason}` : ''}\n`);
  const tokenizer = await backbone.createTokenizer(src);
  return { backend, backbone, model, tokenizer, seed, weightDtype };
}

/** A loaded method with its hyperparameters. */
export interface MethodSession<H = Record<string, unknown>> {
  method: EditMethod<H>;
  hparams: H;
  context: Omit<EditContext, 'model' | 'tokenizer' | 'backbone' | 'backend'>;
}

/**
 * Parses `--hparam key=value` pairs.
 * @throws UsageError naming the pair for a missing `=` or a value that is not valid JSON.
 */
export function hparamOverrides(list: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of (list as string[] | undefined) ?? []) {
    const i = kv.indexOf('=');
    if (i <= 0) throw new UsageError(`--hparam takes key=value (got '${kv}')`);
    const key = kv.slice(0, i);
    try {
      out[key] = parseHparamValue(kv.slice(i + 1), key);
    } catch (e) {
      if (e instanceof HparamError) throw new UsageError(`--hparam ${e.message}`);
      throw e;
    }
  }
  return out;
}

/**
 * Checks `--hparam` against the method's schema before anything is loaded (syntax, unknown keys, types,
 * ranges), so a typo fails in milliseconds rather than after the model has loaded.
 * @throws UsageError or HparamError naming the key.
 */
export function precheckHparams(values: Record<string, unknown>, method: EditMethod<Record<string, unknown>>): void {
  parseHparams(method.id, method.hparams, hparamOverrides(values.hparam));
}

/** Loads other checkpoint directories with the session's backbone plugin (f32, on its backend): `EditContext.loadCheckpoint`. */
export function checkpointLoader(s: Pick<ModelSession, 'backbone' | 'backend'>): (dir: string) => Promise<LanguageModel> {
  return (dir) => s.backbone.loadModel({ modelDir: dir }, { backend: s.backend, dtype: 'f32' });
}

/** Loads the method and builds its hyperparameters and context. */
export async function openMethod(values: Record<string, unknown>, s: ModelSession, resolved?: EditMethod<Record<string, unknown>>): Promise<MethodSession> {
  const method = resolved ?? (await resolveMethod((values.method as string) ?? 'rome'));
  const info = { id: s.backbone.id, config: s.model.config };
  const hparams = parseHparams(method.id, method.hparams, ...hparamLayers(method, info, values.preset as string | undefined, hparamOverrides(values.hparam)));
  // a configuration error (e.g. a layer the model does not have) stops here, before the first edit
  checkHparamsForModel(method.id, method.hparams, hparams, s.model.config);
  const statsDir = values['stats-dir'] as string | undefined;
  const log = { info: (m: string) => process.stderr.write(`${m}\n`), warn: (m: string) => process.stderr.write(`warning: ${m}\n`) };
  const statsLayers = method.requires(hparams).statsLayers ?? [];
  const stats = statsLayers.length
    ? openStats({
        dir: statsDir ?? path.join((values['cache-dir'] as string) ?? '.cache/crossedit', 'stats'),
        weightsHash: await weightsHash(s.model),
        backend: s.backend,
        command: {
          backbone: s.backbone.id,
          modelDir: values['model-dir'] as string | undefined,
          outDir: statsDir,
          layers: statsLayers,
        },
      })
    : undefined;
  const dataDir = (values['data-dir'] as string | undefined) ?? (sharedDir() ? path.join(sharedDir()!, 'data') : undefined);
  return {
    method,
    hparams,
    context: { rng: new Rng(s.seed), log, stats, cacheDir: values['cache-dir'] as string | undefined, dataDir, loadCheckpoint: checkpointLoader(s) },
  };
}
