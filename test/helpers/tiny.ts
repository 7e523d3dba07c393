/**
 * Test-only helpers for method tests: a tiny random LLaMA on the CPU backend, a word-level tokenizer
 * implementing core's Tokenizer contract, an EditContext around them, and teacher-forced accuracy.
 * Import with a relative path from tests only.
 */
import {
  Rng,
  argmax,
  setBackend,
  tensor,
  tidy,
  type Backend,
  type BatchEncoding,
  type EditContext,
  type EncodeOptions,
  type Encoding,
  type LanguageModel,
  type ModelConfig,
  type PaddingSide,
  type SpecialIds,
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

const SPECIALS = ['<unk>', '<s>', '</s>'];
const WORD = /[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu;

/** The words and punctuation marks of texts, in first-seen order (a vocabulary for {@link wordTokenizer}). */
export function vocabOf(texts: readonly string[]): string[] {
  const seen = new Set<string>();
  for (const t of texts) for (const m of t.matchAll(WORD)) seen.add(m[0]);
  return [...seen];
}

/**
 * A word-level tokenizer: a token is a run of letters/digits or one other non-space character; ids
 * 0 = `<unk>`, 1 = `<s>` (BOS), 2 = `</s>` (EOS, also the padding id), then `vocab` in order.
 */
export class WordTokenizer implements Tokenizer {
  readonly special: SpecialIds = { bos: 1, eos: 2, pad: null, unk: 0 };
  readonly #ids: Map<string, number>;
  readonly #words: string[];

  constructor(
    vocab: readonly string[],
    readonly paddingSide: PaddingSide = 'right',
  ) {
    this.#words = [...SPECIALS, ...vocab];
    this.#ids = new Map(this.#words.map((w, i) => [w, i]));
  }

  get vocabSize(): number {
    return this.#words.length;
  }

  encode(text: string, opts: EncodeOptions = {}): Encoding {
    const ids: number[] = [];
    const offsets: [number, number][] = [];
    if (opts.addBos ?? true) {
      ids.push(1);
      offsets.push([0, 0]);
    }
    for (const m of text.matchAll(WORD)) {
      ids.push(this.#ids.get(m[0]) ?? 0);
      offsets.push([m.index!, m.index! + m[0].length]);
    }
    return { ids, offsets };
  }

  decode(ids: readonly number[], opts: { skipSpecialTokens?: boolean } = {}): string {
    return ids
      .filter((id) => !(opts.skipSpecialTokens && id < SPECIALS.length))
      .map((id) => this.#words[id] ?? '<unk>')
      .join(' ');
  }

  encodeBatch(texts: readonly string[], opts: EncodeOptions & { paddingSide?: PaddingSide } = {}): BatchEncoding {
    const rows = texts.map((t) => this.encode(t, opts).ids);
    const s = Math.max(0, ...rows.map((r) => r.length));
    const side = opts.paddingSide ?? this.paddingSide;
    const pad = <T>(r: T[], v: T) => (side === 'left' ? [...new Array<T>(s - r.length).fill(v), ...r] : [...r, ...new Array<T>(s - r.length).fill(v)]);
    return { ids: rows.map((r) => pad(r, 2)), attentionMask: rows.map((r) => pad(r.map(() => 1), 0)), lengths: rows.map((r) => r.length) };
  }

  locate(text: string, span: string, opts: EncodeOptions & { occurrence?: 'first' | 'last' } = {}): number {
    const at = opts.occurrence === 'last' ? text.lastIndexOf(span) : text.indexOf(span);
    if (at < 0) throw new Error(`span ${JSON.stringify(span)} does not occur in ${JSON.stringify(text)}`);
    return this.encode(text.slice(0, at + span.length), opts).ids.length - 1;
  }

  withPaddingSide(side: PaddingSide): Tokenizer {
    return new WordTokenizer(this.#words.slice(SPECIALS.length), side);
  }

  idToToken(id: number): string | undefined {
    return this.#words[id];
  }
}

/** A {@link WordTokenizer} over `vocab`. */
export function wordTokenizer(vocab: readonly string[]): WordTokenizer {
  return new WordTokenizer(vocab);
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
  const w = new Map<string, import('@crossedit/core').Tensor>();
  for (const [name, t] of model.weights()) w.set(name, tensor(await t.data(), [...t.shape], { backend }));
  return new LlamaModel(model.config, w);
}
