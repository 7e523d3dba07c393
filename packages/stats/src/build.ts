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
  const { model, tokenizer } = opts;
  const layers = [...new Set(opts.layers)].sort((a, b) => a - b);
  const cfg = model.config;
  for (const l of layers) {
    if (!Number.isInteger(l) || l < 0 || l >= cfg.numLayers) throw new RangeError(`buildSecondMoments: layer ${l} is outside 0..${cfg.numLayers - 1}`);
  }
  if (layers.length === 0) throw new RangeError('buildSecondMoments: no layers given');
  if (!(opts.sampleCount > 0)) throw new RangeError(`buildSecondMoments: sampleCount must be positive, got ${opts.sampleCount}`);
  const dtype = opts.dtype ?? 'f32';
  const batchTokens = opts.batchTokens ?? 4096;
  const maxSampleTokens = Math.min(opts.maxSampleTokens ?? cfg.maxPositions, batchTokens);
  const windowSamples = opts.windowSamples ?? 64;
  const m = cfg.intermediateSize;
  await stat(opts.corpus).catch(() => {
    throw new Error(`buildSecondMoments: corpus file ${opts.corpus} does not exist`);
  });
  const cHash = await corpusHash(opts.corpus);
  const wHash = opts.weightsHash ?? (await hashWeights(model));
  const keys: ArtifactKey[] = layers.map((layer) => ({ weightsHash: wHash, layer, corpusHash: cHash, sampleCount: opts.sampleCount, dtype }));
  await mkdir(opts.outDir, { recursive: true });

  const existing = await Promise.all(keys.map((k) => artifactInfo(artifactPath(opts.outDir, k)).catch(() => null)));
  if (existing.every((e) => e !== null)) {
    return { complete: true, artifacts: existing as ArtifactInfo[], samples: 0, tokens: 0, elapsedMs: 0, tokensPerSecond: 0, resumed: false, skipped: true };
  }

  const runId = createHash('sha256')
    .update(JSON.stringify([wHash, layers, cHash, opts.sampleCount, dtype, batchTokens, maxSampleTokens, windowSamples, opts.corpusOptions ?? {}]))
    .digest('hex');
  const partialPath = join(opts.outDir, `partial-${runId.slice(0, 24)}.safetensors`);

  // state: host f64 sums per layer, samples consumed, tokens summed
  let sums: Float64Array[];
  let position = 0;
  let tokens = 0;
  let resumed = false;
  const prev = await readSafetensors(partialPath).catch(() => null);
  if (prev && prev.metadata.format === PARTIAL_FORMAT && prev.metadata.runId === runId) {
    sums = layers.map((l) => prev.tensors[`sum.l${l}`].data as Float64Array);
    position = Number(prev.metadata.position);
    tokens = Number(prev.metadata.tokens);
    resumed = true;
  } else {
    sums = layers.map(() => new Float64Array(m * m));
  }
  const resumedFrom = position;

  const saveCheckpoint = async (): Promise<void> => {
    const tensors: Record<string, SafeTensor> = {};
    layers.forEach((l, i) => (tensors[`sum.l${l}`] = { dtype: 'F64', shape: [m, m], data: sums[i] }));
    await writeSafetensors(partialPath, tensors, {
      format: PARTIAL_FORMAT,
      runId,
      position: String(position),
      tokens: String(tokens),
      layers: layers.join(','),
    });
  };

  const t0 = performance.now();
  let runTokens = 0;
  let lastCheckpoint = t0;
  const report = (): StatsProgress => {
    const elapsedMs = performance.now() - t0;
    return { samples: position, sampleCount: opts.sampleCount, tokens, elapsedMs, tokensPerSecond: elapsedMs > 0 ? (runTokens / elapsedMs) * 1000 : 0, resumedFrom };
  };

  let index = 0;
  let window: string[] = [];
  let interrupted = false;
  const runWindow = async (): Promise<void> => {
    const added = await accumulateWindow(model, tokenizer, window, layers, sums, { batchTokens, maxSampleTokens });
    position += window.length;
    tokens += added;
    runTokens += added;
    window = [];
    opts.onProgress?.(report());
    const now = performance.now();
    const every = opts.checkpointEveryMs ?? 60_000;
    if (position < opts.sampleCount && (every === 0 || now - lastCheckpoint >= every)) {
      await saveCheckpoint();
      lastCheckpoint = performance.now();
    }
  };
  if (position < opts.sampleCount) {
    for await (const text of readCorpus(opts.corpus, opts.corpusOptions)) {
      if (index++ < position) continue;
      if (opts.signal?.aborted) {
        interrupted = true;
        break;
      }
      window.push(text);
      if (window.length === windowSamples || position + window.length === opts.sampleCount) await runWindow();
      if (position >= opts.sampleCount) break;
    }
    if (!interrupted && window.length) await runWindow();
  }
  if (interrupted) {
    await saveCheckpoint();
    const p = report();
    return { complete: false, artifacts: [], checkpoint: partialPath, samples: position, tokens, elapsedMs: p.elapsedMs, tokensPerSecond: p.tokensPerSecond, resumed, skipped: false };
  }
  if (tokens === 0) throw new Error(`buildSecondMoments: corpus ${opts.corpus} gave no tokens`);

  const artifacts: ArtifactInfo[] = [];
  for (let i = 0; i < layers.length; i++) {
    const k = keys[i];
    const s = sums[i];
    const mean = dtype === 'f64' ? new Float64Array(m * m) : new Float32Array(m * m);
    for (let j = 0; j < s.length; j++) mean[j] = s[j] / tokens;
    const path = artifactPath(opts.outDir, k);
    await writeSafetensors(path, { mom2: { dtype: dtype === 'f64' ? 'F64' : 'F32', shape: [m, m], data: mean } }, {
      format: MOM2_FORMAT,
      weightsHash: k.weightsHash,
      layer: String(k.layer),
      module: 'mlp.down input',
      corpusHash: k.corpusHash,
      corpus: basename(opts.corpus),
      sampleCount: String(k.sampleCount),
      samplesUsed: String(position),
      tokens: String(tokens),
      dtype,
      lang: opts.lang ?? 'und',
      backbone: opts.backboneId ?? '',
      maxSampleTokens: String(maxSampleTokens),
    });
    artifacts.push((await artifactInfo(path))!);
  }
  await rm(partialPath, { force: true });
  const p = report();
  return { complete: true, artifacts, samples: position, tokens, elapsedMs: p.elapsedMs, tokensPerSecond: p.tokensPerSecond, resumed, skipped: false };
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
