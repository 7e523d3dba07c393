/**
 * Model benchmarks: load time, peak memory and forward throughput of LLaMA-family models on the CPU reference
 * backend and on WebGPU, in one run, printed as a table.
 *
 * Models: a 7B-shaped single decoder layer (d 4096, FFN 11008, 32 heads; random weights written to an f16
 * safetensors file first, as a real checkpoint shard is stored), a tiny random LLaMA, and the real stories260K
 * GGUF (when `../shared` has it).
 *
 * `--full-7b` and `--layers N` run the 7B-sized benchmark instead (`models-7b.ts`): a full-size random
 * checkpoint in Chinese-LLaMA-2-7B's layout (written once to `--cache`, default `benchmarks/.cache/7b`), loaded
 * on each backend (`--backends`, default `webgpu,cpu-f32`; `--dtype`, default auto = f16 on WebGPU), with load
 * time, peak RSS, device bytes, prefill of 32 tokens and decode tokens/s; `--layers N` also times a ROME edit
 * (reference settings) on the model cut to N layers.
 *
 * Usage (from the repo root):
 *   node --expose-gc --conditions=@crossedit/source --import tsx benchmarks/src/models.ts [--skip-7b]
 *     [--seq 8] [--backends cpu,webgpu] [--json out.json]
 *   pnpm bench models --full-7b [--layers 2] [--backends webgpu,cpu-f32] [--dtype auto|f16|f32] [--cache DIR] [--json out.json]
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as nodePath from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { tensor, tidy, type Backend, type LanguageModel, type ModelConfig } from '@crossedit/core';
import { createCpuBackend } from '@crossedit/cpu';
import { loadLlamaFamily } from '@crossedit/backbone-llama';
import { sharedDir } from '@crossedit/tokenizers';
import { expectedWeightShapes, generate, writeSafetensors } from '@crossedit/transformer';
import { choiceListFlag, numberFlag } from './args.js';
import { main7b, SEVEN_B_OPTIONS } from './models-7b.js';

/** One measured (model, backend) pair. */
export interface ModelBenchRow {
  model: string;
  backend: string;
  params: number;
  fileMB: number;
  loadMs: number;
  /** Peak growth of the resident set during the load, MB. */
  peakRssMB: number;
  /** Peak growth of `ArrayBuffer` memory during the load, MB. */
  peakArrayBuffersMB: number;
  /** Tokens in the measured forward pass (batch 1). */
  seq: number;
  /** Mean forward (prefill) time, ms, and tokens per second. */
  forwardMs: number;
  forwardTokPerS: number;
  /** Greedy decoding with the KV cache, tokens per second (tiny models only; NaN otherwise). */
  decodeTokPerS: number;
  note?: string;
}

/** Options of {@link runModelBenchmarks}. */
export interface ModelBenchOptions {
  /** Skip the 7B-shaped layer (it writes a ~400 MB file and needs ~3 GB of memory). */
  skip7b?: boolean;
  /** Tokens of the measured forward pass of the 7B-shaped models (default 8). */
  seq?: number;
  /** Backends to run (default both). */
  backends?: ('cpu' | 'webgpu')[];
  /** Progress lines go here (default stderr). */
  log?: (line: string) => void;
}

/** A 7B-shaped decoder (LLaMA-7B dimensions) with `layers` layers and a small vocabulary unless given. */
function sevenBShape(layers: number, vocab = 512): ModelConfig {
  return { vocabSize: vocab, hiddenSize: 4096, intermediateSize: 11008, numLayers: layers, numHeads: 32, numKvHeads: 32, rmsNormEps: 1e-6, ropeBase: 10000, maxPositions: 4096, tieEmbeddings: false };
}

const TINY: ModelConfig = { vocabSize: 512, hiddenSize: 64, intermediateSize: 172, numLayers: 4, numHeads: 8, numKvHeads: 4, rmsNormEps: 1e-5, ropeBase: 10000, maxPositions: 256, tieEmbeddings: false };

/** Fast uniform random values with the std of `N(0, 1/fan_in)` (speed matters here, not the distribution). */
function randomValues(n: number, fanIn: number, seed: number, norm: boolean): Float32Array {
  const out = new Float32Array(n);
  if (norm) return out.fill(1);
  const a = Math.sqrt(3 / fanIn);
  let s = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = ((s >>> 0) / 4294967296 - 0.5) * 2 * a;
  }
  return out;
}

/** Writes random weights of a config as an HF directory (config.json + one safetensors file), one tensor in memory at a time. */
async function writeRandomCheckpoint(dir: string, cfg: ModelConfig, dtype: 'f32' | 'f16'): Promise<number> {
  writeFileSync(
    nodePath.join(dir, 'config.json'),
    JSON.stringify({
      model_type: 'llama',
      vocab_size: cfg.vocabSize,
      hidden_size: cfg.hiddenSize,
      intermediate_size: cfg.intermediateSize,
      num_hidden_layers: cfg.numLayers,
      num_attention_heads: cfg.numHeads,
      num_key_value_heads: cfg.numKvHeads,
      rms_norm_eps: cfg.rmsNormEps,
      rope_theta: cfg.ropeBase,
      max_position_embeddings: cfg.maxPositions,
      tie_word_embeddings: false,
    }),
  );
  let seed = 1;
  const tensors = [...expectedWeightShapes(cfg)].map(([name, shape]) => {
    const s = seed++;
    return { name, shape, dtype, data: () => randomValues(shape.reduce((a, b) => a * b, 1), shape[1] ?? 1, s, shape.length === 1) };
  });
  const file = nodePath.join(dir, 'model.safetensors');
  await writeSafetensors(file, tensors);
  return statSync(file).size;
}

const MB = 1 << 20;

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Loads with `load`, sampling `process.memoryUsage()` after every tensor; returns the model, time and peaks. */
async function measuredLoad(load: (onProgress: () => void) => Promise<LanguageModel>): Promise<{ model: LanguageModel; ms: number; rss: number; ab: number }> {
  gc();
  const base = process.memoryUsage();
  let rss = 0;
  let ab = 0;
  const sample = () => {
    const m = process.memoryUsage();
    rss = Math.max(rss, m.rss - base.rss);
    ab = Math.max(ab, m.arrayBuffers - base.arrayBuffers);
  };
  const t0 = performance.now();
  const model = await load(sample);
  const ms = performance.now() - t0;
  sample();
  return { model, ms, rss: rss / MB, ab: ab / MB };
}

/** Mean time of a batch-1 forward over `seq` tokens (results read back, so the device has finished). */
async function timeForward(model: LanguageModel, seq: number, budgetMs: number): Promise<number> {
  const ids = Int32Array.from({ length: seq }, (_, i) => (i * 7 + 1) % model.config.vocabSize);
  const once = async () => {
    const t0 = performance.now();
    const l = tidy(() => model.forward(tensor(ids, [1, seq], { backend: model.backend, dtype: 'i32' })).logits!);
    await l.data();
    l.dispose();
    return performance.now() - t0;
  };
  await once(); // warm-up: pipelines, caches
  const times: number[] = [];
  const start = performance.now();
  do times.push(await once());
  while (performance.now() - start < budgetMs && times.length < 20);
  return times.reduce((a, b) => a + b, 0) / times.length;
}

/** Greedy decoding speed with the KV cache (new tokens per second). */
async function timeDecode(model: LanguageModel, tokens: number): Promise<number> {
  const prompt = [1, 5, 9, 13];
  await generate(model, prompt, { maxNewTokens: 2 });
  const t0 = performance.now();
  const { tokens: out } = await generate(model, prompt, { maxNewTokens: tokens });
  return (out[0].length / (performance.now() - t0)) * 1000;
}

function paramsOf(model: LanguageModel): number {
  let n = 0;
  for (const t of model.weights().values()) n += t.shape.reduce((a, b) => a * b, 1);
  return n;
}

async function backendsFor(names: readonly ('cpu' | 'webgpu')[], log: (l: string) => void): Promise<{ name: string; backend: Backend | null; why?: string }[]> {
  const out: { name: string; backend: Backend | null; why?: string }[] = [];
  for (const name of names) {
    if (name === 'cpu') out.push({ name, backend: createCpuBackend() });
    else {
      try {
        const { createWebGpuBackend } = (await import('@crossedit/webgpu')) as unknown as { createWebGpuBackend: () => Promise<Backend> };
        out.push({ name, backend: await createWebGpuBackend() });
      } catch (e) {
        log(`webgpu unavailable: ${(e as Error).message}`);
        out.push({ name, backend: null, why: (e as Error).message });
      }
    }
  }
  return out;
}

/**
 * Runs the model benchmarks and returns one row per (model, backend).
 *
 * @example
 * ```ts
 * const rows = await runModelBenchmarks({ skip7b: true });
 * console.log(formatModelTable(rows));
 * ```
 */
export async function runModelBenchmarks(opts: ModelBenchOptions = {}): Promise<ModelBenchRow[]> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const seq = opts.seq ?? DEFAULT_SEQ;
  const backends = await backendsFor(opts.backends ?? DEFAULT_BACKENDS, log);
  const rows: ModelBenchRow[] = [];
  const tmp = mkdtempSync(nodePath.join(tmpdir(), 'crossedit-bench-models-'));
  try {
    interface Case {
      name: string;
      dir: string;
      fileMB: number;
      seq: number;
      decode: number;
    }
    const cases: Case[] = [];
    const tinyDir = nodePath.join(tmp, 'tiny');
    mkdirSync(tinyDir);
    cases.push({ name: `tiny random (d ${TINY.hiddenSize}, ${TINY.numLayers} layers, f32 safetensors)`, dir: tinyDir, fileMB: (await writeRandomCheckpoint(tinyDir, TINY, 'f32')) / MB, seq: 32, decode: 32 });
    const stories = nodePath.join(sharedDir(), 'models/stories260k/stories260K.gguf');
    if (existsSync(stories)) cases.push({ name: 'stories260K (GGUF, real)', dir: stories, fileMB: statSync(stories).size / MB, seq: 32, decode: 32 });
    if (!opts.skip7b) {
      const dir = nodePath.join(tmp, 'layer7b');
      mkdirSync(dir);
      log('writing the 7B-shaped layer checkpoint (f16 safetensors)...');
      const t0 = performance.now();
      const size = await writeRandomCheckpoint(dir, sevenBShape(1), 'f16');
      log(`  ${(size / MB).toFixed(0)} MB in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      cases.push({ name: '7B-shaped 1 layer (d 4096, m 11008, 32 heads, vocab 512, f16 file)', dir, fileMB: size / MB, seq, decode: 0 });
    }
    for (const c of cases) {
      for (const b of backends) {
        const row: ModelBenchRow = { model: c.name, backend: b.name, params: NaN, fileMB: c.fileMB, loadMs: NaN, peakRssMB: NaN, peakArrayBuffersMB: NaN, seq: c.seq, forwardMs: NaN, forwardTokPerS: NaN, decodeTokPerS: NaN };
        if (!b.backend) {
          rows.push({ ...row, note: `unavailable: ${b.why}` });
          continue;
        }
        log(`${c.name} on ${b.name}: loading...`);
        const backend = b.backend;
        let model: LanguageModel | null = null;
        try {
          const m = await measuredLoad((sample) => loadLlamaFamily({ modelDir: c.dir }, { backend, onProgress: sample }));
          model = m.model;
          Object.assign(row, { params: paramsOf(model), loadMs: m.ms, peakRssMB: m.rss, peakArrayBuffersMB: m.ab });
          log(`  loaded in ${m.ms.toFixed(0)} ms; forward...`);
          row.forwardMs = await timeForward(model, c.seq, c.decode ? 1000 : 3000);
          row.forwardTokPerS = (c.seq / row.forwardMs) * 1000;
          if (c.decode) row.decodeTokPerS = await timeDecode(model, c.decode);
        } catch (e) {
          const msg = (e as Error).message;
          log(`  failed: ${msg}`);
          row.note = `failed: ${msg.length > 160 ? `${msg.slice(0, 160)}…` : msg}`;
        } finally {
          model?.dispose();
          gc();
        }
        rows.push(row);
      }
    }
  } finally {
    for (const b of backends) b.backend?.dispose();
    rmSync(tmp, { recursive: true, force: true });
  }
  return rows;
}

/** The rows as a Markdown table. */
export function formatModelTable(rows: readonly ModelBenchRow[]): string {
  const f = (v: number, d = 0) => (Number.isFinite(v) ? v.toFixed(d) : '—');
  const head = '| model | backend | params | file MB | load ms | load MB/s | peak RSS Δ MB | peak ArrayBuffers Δ MB | tokens | forward ms | forward tok/s | decode tok/s |';
  const sep = '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|';
  const lines = rows.map((r) =>
    r.note
      ? `| ${r.model} | ${r.backend} | ${r.note} |  |  |  |  |  |  |  |  |  |`
      : `| ${r.model} | ${r.backend} | ${(r.params / 1e6).toFixed(2)} M | ${f(r.fileMB, 1)} | ${f(r.loadMs)} | ${f(r.fileMB / (r.loadMs / 1000), 1)} | ${f(r.peakRssMB)} | ${f(r.peakArrayBuffersMB)} | ${r.seq} | ${f(r.forwardMs, 1)} | ${f(r.forwardTokPerS, 1)} | ${f(r.decodeTokPerS, 1)} |`,
  );
  return [head, sep, ...lines].join('\n');
}

/** Tokens of the 7B-shaped layer's forward when `--seq` is not given. */
const DEFAULT_SEQ = 8;
/** The backends when `--backends` is not given. */
const DEFAULT_BACKENDS: readonly ('cpu' | 'webgpu')[] = ['cpu', 'webgpu'];

/** The parsed command line of {@link main}: the 7B-sized runs (`models-7b.ts` parses their flags), or these benchmarks' options. */
export type ModelsArgs = { sevenB: true } | { sevenB: false; skip7b: boolean; seq: number; backends: ('cpu' | 'webgpu')[]; json?: string };

/**
 * Parses `[--skip-7b] [--seq N] [--backends cpu,webgpu] [--json FILE]` (defaults: 8 tokens, both backends);
 * `--full-7b` or `--layers N` select the 7B-sized runs instead, whose flags `main7b` parses.
 * @throws Error naming the flag for an unknown flag, a missing value, a `--seq` that is not an integer >= 1,
 * a `--backends` entry other than cpu and webgpu, or a flag of one mode given in the other.
 */
export function parseModelsArgs(argv: readonly string[]): ModelsArgs {
  const own = { 'skip-7b': { type: 'boolean' }, seq: { type: 'string' } } as const;
  const { values } = parseArgs({ args: [...argv], strict: true, options: { ...SEVEN_B_OPTIONS, ...own } });
  const given = (names: readonly string[]) => names.filter((k) => values[k as keyof typeof values] !== undefined);
  if (values['full-7b'] || values.layers !== undefined) {
    const wrong = given(Object.keys(own));
    if (wrong.length) throw new Error(`--${wrong[0]} does not apply to the 7B-sized runs (--full-7b, --layers)`);
    return { sevenB: true };
  }
  const wrong = given(['dtype', 'cache', 'small', 'methods', 'hparam']);
  if (wrong.length) throw new Error(`--${wrong[0]} applies to the 7B-sized runs only (give --full-7b or --layers N)`);
  return {
    sevenB: false,
    skip7b: values['skip-7b'] ?? false,
    seq: numberFlag(values, 'seq', { integer: true, min: 1 }, DEFAULT_SEQ),
    backends: choiceListFlag(values, 'backends', ['cpu', 'webgpu'], DEFAULT_BACKENDS),
    json: values.json,
  };
}

/** Command-line entry (`pnpm bench models [options]`, {@link parseModelsArgs}): runs the benchmarks and prints the table. */
export async function main(argv: readonly string[]): Promise<void> {
  const o = parseModelsArgs(argv);
  if (o.sevenB) {
    await main7b(argv);
    return;
  }
  const rows = await runModelBenchmarks({ skip7b: o.skip7b, seq: o.seq, backends: o.backends });
  console.log(formatModelTable(rows));
  if (!(globalThis as { gc?: unknown }).gc) console.log('\n(run node with --expose-gc for steadier memory numbers)');
  if (o.json) writeFileSync(o.json, JSON.stringify(rows, null, 2));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
