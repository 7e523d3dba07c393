/**
 * The statistics pass: streams a corpus through the model up to the deepest requested layer, sums
 * k kᵀ of the `mlp.down` input over every non-padding token, and writes one content-addressed
 * artifact per layer. Resumable: the partial sums and the corpus position are checkpointed.
 */
import { createHash } from 'node:crypto';
import { mkdir, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import {
  add,
  matmul,
  mul,
  reshape,
  tensor,
  tidy,
  untrack,
  type Hook,
  type LanguageModel,
  type Tensor,
  type Tokenizer,
} from '@crossedit/core';
import { artifactInfo, artifactPath, MOM2_FORMAT, type ArtifactInfo, type ArtifactKey, type StatsDType } from './artifact.js';
import { corpusHash, readCorpus, type CorpusOptions } from './corpus.js';
import { readSafetensors, writeSafetensors, type SafeTensor } from './safetensors.js';
import { weightsHash as hashWeights } from '@crossedit/transformer';

/** Progress of a statistics pass. */
export interface StatsProgress {
  /** Samples consumed so far (including those before a resume). */
  samples: number;
  /** Samples requested. */
  sampleCount: number;
  /** Tokens summed so far (including those before a resume). */
  tokens: number;
  /** Milliseconds spent in this run. */
  elapsedMs: number;
  /** Tokens per second in this run. */
  tokensPerSecond: number;
  /** Samples that were already done when this run started (0 for a fresh run). */
  resumedFrom: number;
}

/** Options of {@link buildSecondMoments}. */
export interface BuildSecondMomentsOptions {
  model: LanguageModel;
  tokenizer: Tokenizer;
  /** Decoder layers whose `mlp.down` input statistics are wanted. */
  layers: readonly number[];
  /** A corpus file: plain text (a sample per line) or JSONL with a text field. */
  corpus: string;
  corpusOptions?: CorpusOptions;
  /** Samples (lines or records) to read, from the start of the file. */
  sampleCount: number;
  /** Most tokens per forward batch, padding included (default 4096). */
  batchTokens?: number;
  /** Each sample is truncated to this many tokens, BOS included (default min(maxPositions, batchTokens)). */
  maxSampleTokens?: number;
  /** Where artifacts (and the partial checkpoint) go. */
  outDir: string;
  /** Storage precision of the artifact (default f32, as the reference). Sums are kept in f64 on the host. */
  dtype?: StatsDType;
  /** Language of the corpus, recorded in the metadata (default `und`). */
  lang?: string;
  /** The model's {@link weightsHash} if already known (otherwise computed: every weight is read once). */
  weightsHash?: string;
  /** Backbone id, recorded in the metadata. */
  backboneId?: string;
  /** Samples per window: sorted by length and batched together; windows are the checkpoint grain (default 64). */
  windowSamples?: number;
  /** Milliseconds between checkpoints (default 60000; 0 = after every window). */
  checkpointEveryMs?: number;
  /** Interrupts the pass at the next window boundary; the partial sums are checkpointed first. */
  signal?: AbortSignal;
  onProgress?: (p: StatsProgress) => void;
}

/** The outcome of {@link buildSecondMoments}. */
export interface BuildSecondMomentsResult {
  /** False when interrupted; run the same call again to resume. */
  complete: boolean;
  /** One per layer (when complete). */
  artifacts: ArtifactInfo[];
  /** The partial checkpoint (when interrupted). */
  checkpoint?: string;
  samples: number;
  tokens: number;
  elapsedMs: number;
  tokensPerSecond: number;
  /** Whether this run started from a checkpoint. */
  resumed: boolean;
  /** Whether every artifact already existed (nothing was computed). */
  skipped: boolean;
}

const PARTIAL_FORMAT = 'crossedit.mom2-partial/1';

/** The pass's settings after validation and defaults. */
interface PassSettings {
  layers: number[];
  dtype: StatsDType;
  batchTokens: number;
  maxSampleTokens: number;
  windowSamples: number;
  /** Width of the `mlp.down` input. */
  m: number;
}

/** Validates the options (layers in range, a positive sample count, the corpus present) and fills defaults. */
async function passSettings(opts: BuildSecondMomentsOptions): Promise<PassSettings> {
  const cfg = opts.model.config;
  const layers = [...new Set(opts.layers)].sort((a, b) => a - b);
  for (const l of layers) {
    if (!Number.isInteger(l) || l < 0 || l >= cfg.numLayers) throw new RangeError(`buildSecondMoments: layer ${l} is outside 0..${cfg.numLayers - 1}`);
  }
  if (layers.length === 0) throw new RangeError('buildSecondMoments: no layers given');
  if (!(opts.sampleCount > 0)) throw new RangeError(`buildSecondMoments: sampleCount must be positive, got ${opts.sampleCount}`);
  await stat(opts.corpus).catch(() => {
    throw new Error(`buildSecondMoments: corpus file ${opts.corpus} does not exist`);
  });
  const batchTokens = opts.batchTokens ?? 4096;
  return {
    layers,
    dtype: opts.dtype ?? 'f32',
    batchTokens,
    maxSampleTokens: Math.min(opts.maxSampleTokens ?? cfg.maxPositions, batchTokens),
    windowSamples: opts.windowSamples ?? 64,
    m: cfg.intermediateSize,
  };
}

/** The resumable state of a pass: host f64 sums per layer, samples consumed, tokens summed. */
interface PassState {
  sums: Float64Array[];
  position: number;
  tokens: number;
  resumed: boolean;
}

/** The partial checkpoint of run `runId` if there is one, else a fresh state. */
async function loadPartial(partialPath: string, runId: string, set: PassSettings): Promise<PassState> {
  const prev = await readSafetensors(partialPath).catch(() => null);
  if (prev && prev.metadata.format === PARTIAL_FORMAT && prev.metadata.runId === runId) {
    return {
      sums: set.layers.map((l) => prev.tensors[`sum.l${l}`].data as Float64Array),
      position: Number(prev.metadata.position),
      tokens: Number(prev.metadata.tokens),
      resumed: true,
    };
  }
  return { sums: set.layers.map(() => new Float64Array(set.m * set.m)), position: 0, tokens: 0, resumed: false };
}

/** Writes the partial sums and the corpus position (what {@link loadPartial} reads back). */
async function savePartial(partialPath: string, runId: string, set: PassSettings, st: PassState): Promise<void> {
  const tensors: Record<string, SafeTensor> = {};
  set.layers.forEach((l, i) => (tensors[`sum.l${l}`] = { dtype: 'F64', shape: [set.m, set.m], data: st.sums[i] }));
  await writeSafetensors(partialPath, tensors, {
    format: PARTIAL_FORMAT,
    runId,
    position: String(st.position),
    tokens: String(st.tokens),
    layers: set.layers.join(','),
  });
}

/** Writes one artifact per layer: the mean Σ k kᵀ / N in the storage precision, with its metadata. */
async function writeArtifacts(opts: BuildSecondMomentsOptions, set: PassSettings, keys: readonly ArtifactKey[], st: PassState): Promise<ArtifactInfo[]> {
  const { m, dtype } = set;
  const artifacts: ArtifactInfo[] = [];
  for (let i = 0; i < set.layers.length; i++) {
    const k = keys[i];
    const s = st.sums[i];
    const mean = dtype === 'f64' ? new Float64Array(m * m) : new Float32Array(m * m);
    for (let j = 0; j < s.length; j++) mean[j] = s[j] / st.tokens;
    const path = artifactPath(opts.outDir, k);
    await writeSafetensors(path, { mom2: { dtype: dtype === 'f64' ? 'F64' : 'F32', shape: [m, m], data: mean } }, {
      format: MOM2_FORMAT,
      weightsHash: k.weightsHash,
      layer: String(k.layer),
      module: 'mlp.down input',
      corpusHash: k.corpusHash,
      corpus: basename(opts.corpus),
      sampleCount: String(k.sampleCount),
      samplesUsed: String(st.position),
      tokens: String(st.tokens),
      dtype,
      lang: opts.lang ?? 'und',
      backbone: opts.backboneId ?? '',
      maxSampleTokens: String(set.maxSampleTokens),
    });
    artifacts.push((await artifactInfo(path))!);
  }
  return artifacts;
}

/**
 * Streams the corpus from `st.position` in windows of samples, adding each window's sums to `st`; after a
 * window, reports progress and checkpoints (every `checkpointEveryMs`). Returns false when `signal` stopped it.
 */
async function consumeCorpus(
  opts: BuildSecondMomentsOptions,
  set: PassSettings,
  st: PassState,
  onWindow: (added: number) => void,
  checkpoint: () => Promise<void>,
): Promise<boolean> {
  let lastCheckpoint = performance.now();
  let index = 0;
  let window: string[] = [];
  const runWindow = async (): Promise<void> => {
    const added = await accumulateWindow(opts.model, opts.tokenizer, window, set.layers, st.sums, { batchTokens: set.batchTokens, maxSampleTokens: set.maxSampleTokens });
    st.position += window.length;
    st.tokens += added;
    window = [];
    onWindow(added);
    const every = opts.checkpointEveryMs ?? 60_000;
    if (st.position < opts.sampleCount && (every === 0 || performance.now() - lastCheckpoint >= every)) {
      await checkpoint();
      lastCheckpoint = performance.now();
    }
  };
  if (st.position >= opts.sampleCount) return true;
  for await (const text of readCorpus(opts.corpus, opts.corpusOptions)) {
    if (index++ < st.position) continue;
    if (opts.signal?.aborted) return false;
    window.push(text);
    if (window.length === set.windowSamples || st.position + window.length === opts.sampleCount) await runWindow();
    if (st.position >= opts.sampleCount) break;
  }
  if (window.length) await runWindow();
  return true;
}

/**
 * Builds (or resumes, or finds) the second-moment artifacts C_ℓ = (1/N) Σ_t k_t k_tᵀ of the
 * `mlp.down` input at each layer, over every non-padding token of the first `sampleCount` samples.
 *
 * @example
 * ```ts
 * const r = await buildSecondMoments({ model, tokenizer, layers: [4, 5, 6, 7, 8], corpus: 'wiki.jsonl',
 *   sampleCount: 2000, outDir: 'stats', onProgress: (p) => console.log(p.samples, p.tokensPerSecond) });
 * ```
 */
export async function buildSecondMoments(opts: BuildSecondMomentsOptions): Promise<BuildSecondMomentsResult> {
  const set = await passSettings(opts);
  const cHash = await corpusHash(opts.corpus);
  const wHash = opts.weightsHash ?? (await hashWeights(opts.model));
  const keys: ArtifactKey[] = set.layers.map((layer) => ({ weightsHash: wHash, layer, corpusHash: cHash, sampleCount: opts.sampleCount, dtype: set.dtype }));
  await mkdir(opts.outDir, { recursive: true });

  const existing = await Promise.all(keys.map((k) => artifactInfo(artifactPath(opts.outDir, k)).catch(() => null)));
  if (existing.every((e) => e !== null)) {
    return { complete: true, artifacts: existing as ArtifactInfo[], samples: 0, tokens: 0, elapsedMs: 0, tokensPerSecond: 0, resumed: false, skipped: true };
  }

  const runId = createHash('sha256')
    .update(JSON.stringify([wHash, set.layers, cHash, opts.sampleCount, set.dtype, set.batchTokens, set.maxSampleTokens, set.windowSamples, opts.corpusOptions ?? {}]))
    .digest('hex');
  const partialPath = join(opts.outDir, `partial-${runId.slice(0, 24)}.safetensors`);
  const st = await loadPartial(partialPath, runId, set);
  const resumedFrom = st.position;

  const t0 = performance.now();
  let runTokens = 0;
  const report = (): StatsProgress => {
    const elapsedMs = performance.now() - t0;
    return { samples: st.position, sampleCount: opts.sampleCount, tokens: st.tokens, elapsedMs, tokensPerSecond: elapsedMs > 0 ? (runTokens / elapsedMs) * 1000 : 0, resumedFrom };
  };
  const save = () => savePartial(partialPath, runId, set, st);
  const complete = await consumeCorpus(
    opts,
    set,
    st,
    (added) => {
      runTokens += added;
      opts.onProgress?.(report());
    },
    save,
  );
  const p = report();
  const counts = { samples: st.position, tokens: st.tokens, elapsedMs: p.elapsedMs, tokensPerSecond: p.tokensPerSecond, resumed: st.resumed, skipped: false };
  if (!complete) {
    await save();
    return { complete: false, artifacts: [], checkpoint: partialPath, ...counts };
  }
  if (st.tokens === 0) throw new Error(`buildSecondMoments: corpus ${opts.corpus} gave no tokens`);
  const artifacts = await writeArtifacts(opts, set, keys, st);
  await rm(partialPath, { force: true });
  const done = report();
  return { complete: true, artifacts, ...counts, elapsedMs: done.elapsedMs, tokensPerSecond: done.tokensPerSecond };
}

/**
 * Tokenizes one window of samples (BOS added, truncated), sorts it by length, packs sub-batches of at
 * most `batchTokens` padded tokens, runs them, and adds each layer's Σ k kᵀ to `sums`. Returns the
 * number of tokens summed.
 * @internal
 */
export async function accumulateWindow(
  model: LanguageModel,
  tokenizer: Tokenizer,
  texts: readonly string[],
  layers: readonly number[],
  sums: Float64Array[],
  opts: { batchTokens: number; maxSampleTokens: number },
): Promise<number> {
  const encoded = texts.map((t) => tokenizer.encode(t, { addBos: true }).ids.slice(0, opts.maxSampleTokens)).filter((ids) => ids.length > 0);
  encoded.sort((a, b) => b.length - a.length);
  const m = model.config.intermediateSize;
  const acc: (Tensor | null)[] = layers.map(() => null);
  let count = 0;
  let at = 0;
  while (at < encoded.length) {
    const s = encoded[at].length;
    const rows = Math.max(1, Math.floor(opts.batchTokens / s));
    const batch = encoded.slice(at, at + rows);
    at += batch.length;
    const ids = new Int32Array(batch.length * s);
    const mask = new Float64Array(batch.length * s);
    batch.forEach((row, r) => {
      row.forEach((id, j) => {
        ids[r * s + j] = id;
        mask[r * s + j] = 1;
      });
      count += row.length;
    });
    const backend = model.backend;
    tidy(() => {
      const idsT = tensor(ids, [batch.length, s], { backend, dtype: 'i32' });
      const maskT = tensor(mask, [batch.length, s], { backend });
      const mask3 = reshape(maskT, [batch.length, s, 1]);
      const hooks: Hook[] = layers.map((layer, i) => ({
        ref: { kind: 'mlp.down', layer },
        io: 'input',
        fn: (x: Tensor) => {
          const k = reshape(mul(x, mask3), [batch.length * s, m]);
          const c = matmul(k, k, { transA: true });
          const next = acc[i] ? add(acc[i]!, c) : c;
          acc[i]?.dispose();
          acc[i] = untrack(next);
        },
      }));
      model.forward(idsT, { attentionMask: maskT, stopAfterLayer: layers[layers.length - 1], hooks });
    });
  }
  for (let i = 0; i < layers.length; i++) {
    const a = acc[i];
    if (!a) continue;
    const d = await a.data();
    a.dispose();
    const s = sums[i];
    for (let j = 0; j < s.length; j++) s[j] += d[j];
  }
  return count;
}
