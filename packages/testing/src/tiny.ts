/**
 * Tiny fixtures for method tests: a random LLaMA on the CPU backend, an EditContext around a model and
 * tokenizer, teacher-forced accuracy, and copies onto another backend.
 */
import {
  Rng,
  argmax,
  setBackend,
  tensor,
  tidy,
  type Backend,
  type EditContext,
  type LanguageModel,
  type ModelConfig,
  type Tensor,
  type Tokenizer,
} from '@crossedit/core';
import { createCpuBackend } from '@crossedit/cpu';
import { LlamaModel, randomWeights, weightsHash } from '@crossedit/transformer';

export { weightsHash };

let cpu: Backend | null = null;

/** The shared CPU backend (float64 reference), also set as the default backend. */
export function cpuBackend(): Backend {
  cpu ??= createCpuBackend();
  setBackend(cpu);
  return cpu;
}

/** Options of {@link tinyLlama}. */
export interface TinyLlamaOptions {
  vocabSize: number;
  seed?: number;
  layers?: number;
  hidden?: number;
  intermediate?: number;
  heads?: number;
  kvHeads?: number;
  /** Scale of the linear layers relative to 1/sqrt(fan_in) (default 1). */
  scale?: number;
  backend?: Backend;
}

/** A random LLaMA (default: 2 layers, hidden 16, MLP 24, 4 heads, 2 kv heads) on the CPU backend. */
export function tinyLlama(opts: TinyLlamaOptions): LlamaModel {
  const config: ModelConfig = {
    vocabSize: opts.vocabSize,
    hiddenSize: opts.hidden ?? 16,
    intermediateSize: opts.intermediate ?? 24,
    numLayers: opts.layers ?? 2,
    numHeads: opts.heads ?? 4,
    numKvHeads: opts.kvHeads ?? 2,
    rmsNormEps: 1e-5,
    ropeBase: 10000,
    maxPositions: 256,
  };
  const backend = opts.backend ?? cpuBackend();
  return new LlamaModel(config, randomWeights(config, { seed: opts.seed ?? 1, backend, scale: opts.scale ?? 1 }));
}

/** Messages a test context logged. */
export interface TestLog {
  info: string[];
  warn: string[];
}

/** An EditContext around a model and tokenizer (seeded Rng, collecting logger). */
export function tinyContext(model: LanguageModel, tokenizer: Tokenizer, extra: Partial<EditContext> = {}): EditContext & { logged: TestLog } {
  const logged: TestLog = { info: [], warn: [] };
  return {
    model,
    tokenizer,
    backbone: { id: 'tiny-test', config: model.config },
    backend: model.backend,
    rng: new Rng(0),
    log: { info: (m) => logged.info.push(m), warn: (m) => logged.warn.push(m) },
    logged,
    ...extra,
  };
}

/**
 * Teacher-forced token accuracy of `target` after `prompt + ' '`: the fraction of target tokens that
 * are the argmax at the position before them (the evaluator's rewrite accuracy).
 */
export async function teacherForcedAccuracy(model: LanguageModel, tok: Tokenizer, prompt: string, target: string): Promise<number> {
  const p = tok.encode(prompt).ids;
  const ids = tok.encode(`${prompt} ${target}`).ids;
  const pred = tidy(() => argmax(model.forward(tensor(Int32Array.from(ids), [1, ids.length], { backend: model.backend, dtype: 'i32' })).logits!, -1));
  const arg = await pred.data();
  pred.dispose();
  let hit = 0;
  for (let j = p.length; j < ids.length; j++) if (arg[j - 1] === ids[j]) hit++;
  return hit / (ids.length - p.length);
}

/** Host float64 copy of a tensor's values. */
export async function host(t: { data(): Promise<ArrayLike<number>> }): Promise<Float64Array> {
  return Float64Array.from(await t.data());
}

let gpu: Promise<Backend | null> | null = null;

/**
 * The WebGPU backend when `@crossedit/webgpu` exports `createWebGpuBackend` and an adapter exists,
 * else null (created once per test process).
 */
export function maybeWebGpu(): Promise<Backend | null> {
  gpu ??= (async () => {
    try {
      const mod = (await import('@crossedit/webgpu')) as Record<string, unknown>;
      const create = mod.createWebGpuBackend as undefined | (() => Promise<Backend>);
      return create ? await create() : null;
    } catch {
      return null;
    }
  })();
  return gpu;
}

/** A copy of a LLaMA model's weights on another backend. */
export async function copyModel(model: LanguageModel, backend: Backend): Promise<LlamaModel> {
  const w = new Map<string, Tensor>();
  for (const [name, t] of model.weights()) w.set(name, tensor(await t.data(), [...t.shape], { backend }));
  return new LlamaModel(model.config, w);
}
