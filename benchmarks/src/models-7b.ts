/**
 * The 7B-sized benchmark (`pnpm bench models --full-7b`, `--layers N`): a full-size random checkpoint in
 * Chinese-LLaMA-2-7B's exact layout and config (32 layers, d 4096, FFN 11008, vocabulary 55296; fp16 sharded
 * safetensors with `model.safetensors.index.json` and HF names), written once to a cache directory in bounded
 * memory, streamed onto a backend, timed: load, peak RSS, device bytes, prefill of 32 tokens, decode tokens/s.
 * `--layers N` loads the same checkpoint cut to its first N layers (an index over the same shard files) and
 * times a ROME edit with the reference settings, per step.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Rng, WEIGHT_DTYPE_REQUESTS, parseHparams, tensor, tidy, type Backend, type EditContext, type EditMethod, type ModelConfig, type StatsProvider, type WeightDTypeRequest } from '@crossedit/core';
import chineseLlama2, { CHINESE_LLAMA2_7B } from '@crossedit/backbone-chinese-llama2';
// the file, not the testing index (which imports vitest for the checkpoint suites)
import { writeRandomLlamaCheckpoint } from '../../plugins/backbone-llama/src/testing/random-checkpoint.js';
import { generate, type LlamaModel } from '@crossedit/transformer';
import { choiceFlag, choiceListFlag, keyValueFlags, numberFlag } from './args.js';

/** Chinese-LLaMA-2-7B's published config (the benchmark's architecture). */
export const CL2_7B: ModelConfig = CHINESE_LLAMA2_7B;

/**
 * The `--small` stand-in: Chinese-LLaMA-2's vocabulary and layout at d 512, FFN 1376, 4 layers (138 MB in
 * fp16), so the whole pipeline (write, stream, forward, edits) can be checked in seconds on any machine.
 */
export const CL2_SMALL: ModelConfig = { ...CL2_7B, hiddenSize: 512, intermediateSize: 1376, numLayers: 4, numHeads: 8, numKvHeads: 8 };

/** The default cache directory (`benchmarks/.cache/7b`, git-ignored). */
export const DEFAULT_7B_CACHE = fileURLToPath(new URL('../.cache/7b/', import.meta.url));

const GB = 1e9;
const MiB = 2 ** 20;

/** The peak resident set of this process so far (`VmHWM`), bytes; NaN off Linux. */
export function peakRss(): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

/**
 * The random 7B checkpoint in `cacheDir/chinese-llama2-7b-random`, written when it is missing or incomplete
 * (a `complete.json` marker records the config and bytes). Returns its directory.
 */
export async function ensure7bCheckpoint(
  cacheDir: string,
  log: (l: string) => void,
  config: ModelConfig = CL2_7B,
  name = 'chinese-llama2-7b-random',
  maxShardBytes = 10e9,
): Promise<string> {
  const dir = nodePath.join(cacheDir, name);
  const marker = nodePath.join(dir, 'complete.json');
  const want = JSON.stringify({ ...config, maxShardBytes });
  if (existsSync(marker)) {
    const m = JSON.parse(readFileSync(marker, 'utf8')) as { config: string; bytes: number };
    if (m.config === want) {
      log(`7B checkpoint: reusing ${dir} (${(m.bytes / GB).toFixed(2)} GB)`);
      return dir;
    }
  }
  rmSync(dir, { recursive: true, force: true });
  log(`7B checkpoint: writing ${dir} (fp16, ${maxShardBytes / GB} GB shards; once)...`);
  const t0 = performance.now();
  const { bytes } = await writeRandomLlamaCheckpoint(dir, config, {
    dtype: 'f16',
    maxShardBytes,
    onProgress: (d, t, f) => log(`  ${f}: ${(d / GB).toFixed(2)}/${(t / GB).toFixed(2)} GB, ${((performance.now() - t0) / 1000).toFixed(0)} s`),
  });
  writeFileSync(marker, JSON.stringify({ config: want, bytes, seconds: (performance.now() - t0) / 1000 }));
  log(`  written in ${((performance.now() - t0) / 1000).toFixed(0)} s, peak RSS ${(peakRss() / MiB).toFixed(0)} MiB`);
  return dir;
}

/**
 * A view of a sharded checkpoint (one with `model.safetensors.index.json`) cut to its first `layers` layers: `config.json` with `num_hidden_layers: layers` and a
 * `model.safetensors.index.json` listing only those layers' tensors (plus embedding, final norm, head), over
 * links to the same shard files. Nothing is copied.
 */
export function cutCheckpoint(fullDir: string, layers: number): string {
  const dir = `${fullDir}-L${layers}`;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const config = JSON.parse(readFileSync(nodePath.join(fullDir, 'config.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(nodePath.join(dir, 'config.json'), JSON.stringify({ ...config, num_hidden_layers: layers }, null, 2));
  const index = JSON.parse(readFileSync(nodePath.join(fullDir, 'model.safetensors.index.json'), 'utf8')) as { weight_map: Record<string, string> };
  const keep: Record<string, string> = {};
  for (const [name, file] of Object.entries(index.weight_map)) {
    const m = /^model\.layers\.(\d+)\./.exec(name);
    if (!m || Number(m[1]) < layers) keep[name] = file;
  }
  for (const file of new Set(Object.values(keep))) symlinkSync(nodePath.join(fullDir, file), nodePath.join(dir, file));
  writeFileSync(nodePath.join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: keep }, null, 2));
  return dir;
}

/** One measured 7B run. */
export interface SevenBRow {
  model: string;
  backend: string;
  dtype: string;
  params: number;
  checkpointGB: number;
  loadS: number;
  loadMBps: number;
  /** Process peak RSS (VmHWM) after the load, and its growth over the load, GB. */
  peakRssGB: number;
  peakRssGrowthGB: number;
  /** Bytes the backend holds (weights), GB. */
  deviceGB: number;
  /** Prefill of 32 tokens (batch 1): first run (with pipeline compiles) and the next, seconds. */
  prefillFirstS: number;
  prefillS: number;
  decodeTokPerS: number;
  note?: string;
}

/** Options of {@link run7bForward}. */
export interface SevenBForwardOptions {
  backend: Backend;
  backendName: string;
  dir: string;
  dtype: WeightDTypeRequest;
  label: string;
  /** Prefill tokens (default 32). */
  prefill?: number;
  /** Decoded tokens measured (default 8). */
  decode?: number;
  log: (l: string) => void;
}

async function timePrefill(model: LlamaModel, n: number): Promise<number> {
  const ids = Int32Array.from({ length: n }, (_, i) => (i * 7919 + 13) % model.config.vocabSize);
  const t0 = performance.now();
  const l = tidy(() => model.forward(tensor(ids, [1, n], { backend: model.backend, dtype: 'i32' })).logits!);
  const data = await l.data();
  l.dispose();
  if (!data.every(Number.isFinite)) throw new Error('the forward produced non-finite logits (random weights badly scaled?)');
  return (performance.now() - t0) / 1000;
}

/** Decoding speed with the KV cache: (generate 1 + n) − (generate 1), greedy, from a 4-token prompt. */
async function timeDecode(model: LlamaModel, n: number): Promise<number> {
  const prompt = [1, 29871, 13, 450];
  const t0 = performance.now();
  await generate(model, prompt, { maxNewTokens: 1 });
  const t1 = performance.now();
  const { tokens } = await generate(model, prompt, { maxNewTokens: 1 + n });
  const t2 = performance.now();
  return (tokens[0].length - 1) / ((t2 - t1 - (t1 - t0)) / 1000);
}

/** Loads a checkpoint directory on a backend and times load, prefill and decode; a failure becomes the row's note. */
export async function run7bForward(o: SevenBForwardOptions): Promise<SevenBRow> {
  const row: SevenBRow = { model: o.label, backend: o.backendName, dtype: String(o.dtype), params: NaN, checkpointGB: NaN, loadS: NaN, loadMBps: NaN, peakRssGB: NaN, peakRssGrowthGB: NaN, deviceGB: NaN, prefillFirstS: NaN, prefillS: NaN, decodeTokPerS: NaN };
  const rss0 = process.memoryUsage().rss;
  let model: LlamaModel | null = null;
  try {
    const t0 = performance.now();
    let bytes = 0;
    let lastLog = 0;
    model = await chineseLlama2.loadModel({ modelDir: o.dir }, {
      backend: o.backend,
      dtype: o.dtype,
      onDType: (c) => ((row.dtype = c.dtype), o.log(`  weights: ${c.reason}`)),
      onFit: (f) => o.log(`  fit: ${(f.weightBytes / GB).toFixed(2)} GB of weights on ${o.backendName} (+ reserve), largest ${f.largest.name}`),
      onProgress: (d, t) => {
        bytes = t;
        if (performance.now() - lastLog > 10_000) {
          lastLog = performance.now();
          o.log(`  loading: ${(d / GB).toFixed(2)}/${(t / GB).toFixed(2)} GB, ${(d / 1e6 / ((performance.now() - t0) / 1000)).toFixed(0)} MB/s, RSS ${(process.memoryUsage().rss / GB).toFixed(2)} GB`);
        }
      },
    });
    row.loadS = (performance.now() - t0) / 1000;
    row.checkpointGB = bytes / GB;
    row.loadMBps = bytes / 1e6 / row.loadS;
    row.peakRssGB = peakRss() / GB;
    row.peakRssGrowthGB = (peakRss() - rss0) / GB;
    row.deviceGB = o.backend.memory().bytesInUse / GB;
    row.params = [...model.weights().values()].reduce((a, w) => a + w.shape.reduce((x, d) => x * d, 1), 0);
    o.log(`  loaded in ${row.loadS.toFixed(1)} s (${row.loadMBps.toFixed(0)} MB/s), device ${row.deviceGB.toFixed(2)} GB, peak RSS ${row.peakRssGB.toFixed(2)} GB`);
    const n = o.prefill ?? 32;
    row.prefillFirstS = await timePrefill(model, n);
    row.prefillS = await timePrefill(model, n);
    o.log(`  prefill ${n} tokens: ${row.prefillFirstS.toFixed(2)} s first, ${row.prefillS.toFixed(2)} s next`);
    row.decodeTokPerS = await timeDecode(model, o.decode ?? 8);
    o.log(`  decode: ${row.decodeTokPerS.toFixed(3)} tokens/s`);
    row.peakRssGB = peakRss() / GB;
  } catch (e) {
    const msg = (e as Error).message;
    o.log(`  failed: ${msg}`);
    row.note = msg.length > 400 ? `${msg.slice(0, 400)}…` : msg;
  } finally {
    model?.dispose();
  }
  return row;
}

/** One timed edit on a cut 7B-wide model. */
export interface SevenBEditRow {
  method: string;
  backend: string;
  dtype: string;
  layers: number;
  editLayers: string;
  loadS: number;
  templates: number;
  templatesS: number;
  /** ROME: key u; MEMIT: keys and covariance solve (s). */
  uS: number;
  /** v* optimisation: total (s), steps, seconds per step. */
  vS: number;
  vSteps: number;
  perStepS: number;
  insertS: number;
  totalS: number;
  /** The edit's time had v* run the reference's step count (25): total − v* + steps × per-step. */
  projectedReferenceS: number;
  peakRssGB: number;
  note?: string;
}

/** Identity-scaled second moments (random weights have no corpus statistics), for MEMIT. */
export function identityStats(m: number, backend: Backend): StatsProvider {
  const v = new Float32Array(m * m);
  for (let i = 0; i < m; i++) v[i * m + i] = 0.1;
  return { secondMoment: async () => tensor(v, [m, m], { backend }) };
}

/** Options of {@link run7bEdit}. */
export interface SevenBEditOptions {
  backend: Backend;
  backendName: string;
  /** A cut checkpoint directory ({@link cutCheckpoint}). */
  dir: string;
  dtype: WeightDTypeRequest;
  method: 'rome' | 'memit';
  /** Hyperparameter overrides (default: none, the reference settings with layers scaled to the depth). */
  hparams?: Record<string, unknown>;
  cacheDir: string;
  log: (l: string) => void;
}

/** Loads a cut model and times one edit (templates, u/keys, v* per step, insert). */
export async function run7bEdit(o: SevenBEditOptions): Promise<SevenBEditRow> {
  const row: SevenBEditRow = { method: o.method, backend: o.backendName, dtype: String(o.dtype), layers: NaN, editLayers: '', loadS: NaN, templates: NaN, templatesS: NaN, uS: NaN, vS: NaN, vSteps: NaN, perStepS: NaN, insertS: NaN, totalS: NaN, projectedReferenceS: NaN, peakRssGB: NaN };
  let model: LlamaModel | null = null;
  try {
    const t0 = performance.now();
    model = await chineseLlama2.loadModel({ modelDir: o.dir }, { backend: o.backend, dtype: o.dtype, onDType: (c) => (row.dtype = c.dtype) });
    row.loadS = (performance.now() - t0) / 1000;
    row.layers = model.config.numLayers;
    const tokenizer = await chineseLlama2.createTokenizer({ modelDir: o.dir });
    const mod = (await import(o.method === 'rome' ? '@crossedit/method-rome' : '@crossedit/method-memit')) as { default: EditMethod<Record<string, unknown>> };
    const method = mod.default;
    const backbone = { id: 'chinese-llama2', config: model.config };
    const ctx: EditContext = {
      model,
      tokenizer,
      backbone,
      backend: o.backend,
      rng: new Rng(0),
      stats: identityStats(model.config.intermediateSize, o.backend),
      log: { info: () => undefined, warn: (m) => o.log(`  warn: ${m}`) },
      cacheDir: o.cacheDir,
    };
    const hp = parseHparams(method.id, method.hparams, method.presets?.(backbone), o.hparams ?? {});
    row.editLayers = JSON.stringify((hp as { layers?: number[] }).layers ?? []);
    o.log(`  ${o.method} on layers ${row.editLayers} of ${row.layers} (${row.dtype}); reference settings: ${JSON.stringify(hp)}`);
    const req = { id: 'bench', prompt: 'The mother tongue of Danielle Darrieux is', subject: 'Danielle Darrieux', target: 'English', lang: 'en' };
    const te = performance.now();
    const res = await method.apply(ctx, [req], hp);
    row.totalS = (performance.now() - te) / 1000;
    const d = res.diagnostics ?? {};
    const num = (k: string) => (typeof d[k] === 'number' ? (d[k] as number) : NaN);
    row.templates = num('templates');
    row.templatesS = num('templatesMs') / 1000;
    row.uS = (Number.isFinite(num('uMs')) ? num('uMs') : num('keysMs')) / 1000;
    row.vS = (Number.isFinite(num('vMs')) ? num('vMs') : num('zMs')) / 1000;
    row.vSteps = Number.isFinite(num('vSteps')) ? num('vSteps') : num('zSteps');
    row.perStepS = row.vS / row.vSteps;
    row.insertS = (Number.isFinite(num('insertMs')) ? num('insertMs') : num('solveMs')) / 1000;
    const refSteps = (method.hparams as Record<string, { default?: unknown }>).vNumGradSteps?.default;
    row.projectedReferenceS = row.totalS - row.vS + (typeof refSteps === 'number' ? refSteps - 1 : row.vSteps) * row.perStepS;
    row.peakRssGB = peakRss() / GB;
    o.log(`  edit: ${row.totalS.toFixed(1)} s (templates ${row.templatesS.toFixed(1)} s, u ${row.uS.toFixed(1)} s, v* ${row.vS.toFixed(1)} s over ${row.vSteps} steps = ${row.perStepS.toFixed(2)} s/step, insert ${row.insertS.toFixed(2)} s)`);
    await res.restore();
  } catch (e) {
    const msg = (e as Error).message;
    o.log(`  failed: ${process.env.BENCH_STACK ? (e as Error).stack : msg}`);
    row.note = msg.length > 400 ? `${msg.slice(0, 400)}…` : msg;
  } finally {
    model?.dispose();
  }
  return row;
}

/** The forward rows as Markdown. */
export function format7bTable(rows: readonly SevenBRow[]): string {
  const f = (v: number, d = 1) => (Number.isFinite(v) ? v.toFixed(d) : '—');
  const head = '| model | backend | weights | params | checkpoint GB | load s | load MB/s | peak RSS GB | RSS growth GB | device GB | prefill 32 tok s (first / next) | decode tok/s |';
  const sep = '|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|';
  const lines = rows.map((r) =>
    r.note
      ? `| ${r.model} | ${r.backend} | ${r.dtype} | ${r.note.replace(/\|/g, '/')} |  |  |  |  |  |  |  |  |`
      : `| ${r.model} | ${r.backend} | ${r.dtype} | ${(r.params / 1e9).toFixed(2)} G | ${f(r.checkpointGB, 2)} | ${f(r.loadS)} | ${f(r.loadMBps, 0)} | ${f(r.peakRssGB, 2)} | ${f(r.peakRssGrowthGB, 2)} | ${f(r.deviceGB, 2)} | ${f(r.prefillFirstS, 2)} / ${f(r.prefillS, 2)} | ${f(r.decodeTokPerS, 3)} |`,
  );
  return [head, sep, ...lines].join('\n');
}

/** The edit rows as Markdown. */
export function format7bEditTable(rows: readonly SevenBEditRow[]): string {
  const f = (v: number, d = 1) => (Number.isFinite(v) ? v.toFixed(d) : '—');
  const head = '| method | backend | weights | layers (edited) | load s | templates (s) | u / keys s | v* s | v* steps | s per step | insert s | edit total s | at 25 v* steps s | peak RSS GB |';
  const sep = '|---|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|';
  const lines = rows.map((r) =>
    r.note
      ? `| ${r.method} | ${r.backend} | ${r.dtype} | ${r.note.replace(/\|/g, '/')} |  |  |  |  |  |  |  |  |  |  |`
      : `| ${r.method} | ${r.backend} | ${r.dtype} | ${r.layers} (${r.editLayers}) | ${f(r.loadS)} | ${r.templates} (${f(r.templatesS)}) | ${f(r.uS, 2)} | ${f(r.vS)} | ${r.vSteps} | ${f(r.perStepS, 2)} | ${f(r.insertS, 2)} | ${f(r.totalS)} | ${f(r.projectedReferenceS)} | ${f(r.peakRssGB, 2)} |`,
  );
  return [head, sep, ...lines].join('\n');
}

/** A backend by name (`webgpu`, `cpu-f32`, `cpu`), or why there is none. */
export async function backendByName(name: string): Promise<Backend | string> {
  if (name === 'cpu' || name === 'cpu-f32') {
    const cpu = await import('@crossedit/cpu');
    return name === 'cpu' ? cpu.createCpuBackend() : cpu.createCpuF32Backend();
  }
  if (name !== 'webgpu') return `unknown backend '${name}' (webgpu, cpu-f32, cpu)`;
  try {
    const { createWebGpuBackend } = await import('@crossedit/webgpu');
    const b = await createWebGpuBackend();
    return b;
  } catch (e) {
    return `webgpu unavailable: ${(e as Error).message}`;
  }
}

/** The adapter a WebGPU backend runs on, in words (vendor, device, software or not). */
export function adapterText(b: Backend): string {
  const a = (b as Backend & { adapter?: { vendor: string; device: string; description: string; architecture: string; isSoftware: boolean } }).adapter;
  if (!a) return b.name;
  return `${[a.vendor, a.architecture, a.device, a.description].filter(Boolean).join(' / ')}${a.isSoftware ? ' (software)' : ''}`;
}

/** The flags of the 7B-sized runs (`parseArgs` options; `pnpm bench models` accepts them beside its own). */
export const SEVEN_B_OPTIONS = {
  'full-7b': { type: 'boolean' },
  layers: { type: 'string' },
  backends: { type: 'string' },
  dtype: { type: 'string' },
  cache: { type: 'string' },
  json: { type: 'string' },
  small: { type: 'boolean' },
  methods: { type: 'string' },
  hparam: { type: 'string', multiple: true },
} as const;

/** The parsed command line of {@link main7b}. */
export interface SevenBArgs {
  /** `--full-7b`: the full 7B forward on each backend. */
  full7b: boolean;
  /** `--layers N`: a ROME/MEMIT edit on the model cut to its first N layers (1..the config's layers). */
  layers?: number;
  /** `--small`: {@link CL2_SMALL} instead of {@link CL2_7B}. */
  small: boolean;
  /** `--backends` (default `webgpu,cpu-f32`; an unknown name becomes a row that says so). */
  backends: string[];
  /** `--dtype auto|f32|f16` (default auto). */
  dtype: WeightDTypeRequest;
  /** `--cache DIR` (default {@link DEFAULT_7B_CACHE}). */
  cache: string;
  /** `--methods rome,memit` (default rome). */
  methods: ('rome' | 'memit')[];
  /** `--hparam key=value` (repeatable): overrides of the reference settings. */
  hparams: Record<string, unknown>;
  /** `--json FILE`: also write the rows as JSON. */
  json?: string;
}

/**
 * Parses {@link main7b}'s flags.
 * @throws Error naming the flag for an unknown flag, a missing value, a `--layers` outside 1..the model's
 * layers, a `--dtype` or `--methods` entry outside its choices, or an `--hparam` that is not `key=JSON`.
 */
export function parse7bArgs(argv: readonly string[]): SevenBArgs {
  const { values } = parseArgs({ args: [...argv], strict: true, options: SEVEN_B_OPTIONS });
  const small = values.small ?? false;
  const config = small ? CL2_SMALL : CL2_7B;
  return {
    full7b: values['full-7b'] ?? false,
    layers: numberFlag(values, 'layers', { integer: true, min: 1, max: config.numLayers }),
    small,
    backends: (values.backends ?? 'webgpu,cpu-f32').split(','),
    dtype: choiceFlag(values, 'dtype', WEIGHT_DTYPE_REQUESTS, 'auto'),
    cache: nodePath.resolve(values.cache ?? DEFAULT_7B_CACHE),
    methods: choiceListFlag(values, 'methods', ['rome', 'memit'], ['rome']),
    // e.g. vNumGradSteps=3 to time steps on a slow device
    hparams: keyValueFlags(values, 'hparam'),
    json: values.json,
  };
}

/**
 * `pnpm bench models --full-7b [--layers N] [--backends webgpu,cpu-f32] [--dtype auto] [--cache DIR] [--small]
 * [--methods rome,memit] [--hparam k=v ...] [--json F]` ({@link parse7bArgs}): the full 7B forward on each
 * backend (a backend it does not fit is refused by the fit check before any allocation, and the row says so),
 * then with `--layers N` a ROME edit on the model cut to N layers.
 */
export async function main7b(argv: readonly string[]): Promise<void> {
  const { cache, dtype, backends: names, small, layers, methods, hparams, json, full7b } = parse7bArgs(argv);
  const log = (l: string) => process.stderr.write(`${l}\n`);
  const config = small ? CL2_SMALL : CL2_7B;
  const label = small ? `Chinese-LLaMA-2 layout, --small (d ${config.hiddenSize}, ${config.numLayers} layers, random)` : 'Chinese-LLaMA-2-7B shape, 32 layers (random)';
  mkdirSync(cache, { recursive: true });
  const full = await ensure7bCheckpoint(cache, log, config, small ? 'chinese-llama2-small-random' : 'chinese-llama2-7b-random', small ? 60e6 : 10e9);
  const rows: SevenBRow[] = [];
  const edits: SevenBEditRow[] = [];
  for (const name of names) {
    const b = await backendByName(name);
    if (typeof b === 'string') {
      log(b);
      rows.push({ model: label, backend: name, dtype, params: NaN, checkpointGB: NaN, loadS: NaN, loadMBps: NaN, peakRssGB: NaN, peakRssGrowthGB: NaN, deviceGB: NaN, prefillFirstS: NaN, prefillS: NaN, decodeTokPerS: NaN, note: b });
      continue;
    }
    log(`backend ${name}: ${adapterText(b)}`);
    try {
      if (full7b) {
        log(`${label} on ${name}:`);
        rows.push(await run7bForward({ backend: b, backendName: name, dir: full, dtype, label, log }));
      }
      if (layers !== undefined) {
        const cut = cutCheckpoint(full, layers);
        for (const method of methods) {
          log(`${method} on the ${small ? '--small' : '7B-wide'} model cut to ${layers} layers, ${name}:`);
          edits.push(await run7bEdit({ backend: b, backendName: name, dir: cut, dtype, method, hparams, cacheDir: nodePath.join(cache, 'edit-cache'), log }));
        }
      }
    } finally {
      b.dispose();
    }
  }
  if (rows.length) console.log(format7bTable(rows));
  if (edits.length) console.log(`\n${format7bEditTable(edits)}`);
  if (json) writeFileSync(json, JSON.stringify({ forward: rows, edits }, null, 2));
}
