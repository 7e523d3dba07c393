/**
 * The GPU report (`benchmarks/gpu/run.sh` runs it): on the WebGPU adapter the environment selected, in
 * time-boxed phases — adapter, matmul GFLOP/s in f16 and f32 against the device's peak, the full
 * Chinese-LLaMA-2-7B-shaped model (random fp16 checkpoint, streamed) loaded and run (prefill, decode), a full
 * ROME edit and a MEMIT edit on it — writing `report.json` and `report.md` after every phase (a killed run
 * leaves what it finished).
 *
 *   node --expose-gc --conditions=@crossedit/source --import tsx benchmarks/src/gpu-report.ts --out DIR [--small]
 *     [--cache DIR] [--budget-s 450] [--device-memory-gb N] [--hparam k=v ...]
 *
 * `--small` swaps the 7B shape for `CL2_SMALL` (Chinese-LLaMA-2's vocabulary at d 512, 4 layers) and the
 * matmuls for 512³, so the whole script can be checked on lavapipe in minutes.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Rng, matmul, parseHparams, tensor, tidy, type Backend, type EditContext, type EditMethod } from '@crossedit/core';
import chineseLlama2 from '@crossedit/backbone-chinese-llama2';
import { generate, type LlamaModel } from '@crossedit/transformer';
import { keyValueFlags, numberFlag } from './args.js';
import { CL2_7B, CL2_SMALL, DEFAULT_7B_CACHE, adapterText, ensure7bCheckpoint, identityStats, peakRss } from './models-7b.js';

/** Datasheet peaks (dense, TFLOP/s) of GPUs a run may meet: FP32 vector, FP16 vector (non-tensor), FP16 tensor. */
const PEAKS: readonly { match: RegExp; name: string; f32: number; f16: number; f16Tensor: number }[] = [
  { match: /h200|h100.*(sxm|hbm3)/i, name: 'H100/H200 SXM', f32: 66.9, f16: 133.8, f16Tensor: 989.4 },
  { match: /h100/i, name: 'H100 PCIe', f32: 51.2, f16: 102.4, f16Tensor: 756.5 },
  { match: /a100/i, name: 'A100', f32: 19.5, f16: 78, f16Tensor: 312 },
  { match: /l40s/i, name: 'L40S', f32: 91.6, f16: 91.6, f16Tensor: 362 },
  { match: /a10\b/i, name: 'A10', f32: 31.2, f16: 31.2, f16Tensor: 125 },
  { match: /t4\b/i, name: 'T4', f32: 8.1, f16: 16.3, f16Tensor: 65 },
  { match: /rtx 4090/i, name: 'RTX 4090', f32: 82.6, f16: 82.6, f16Tensor: 330 },
];

interface Phase {
  name: string;
  status: 'ok' | 'failed' | 'timed out' | 'skipped';
  seconds: number;
  result?: Record<string, unknown>;
  error?: string;
}

/** The parsed command line (see the file comment). */
export interface GpuReportArgs {
  /** `--out DIR` (default `benchmarks/gpu/out`): where `report.json` and `report.md` go. */
  out: string;
  /** `--small`: the {@link CL2_SMALL} stand-in and 512³ matmuls. */
  small: boolean;
  /** `--cache DIR` (default {@link DEFAULT_7B_CACHE}): the random checkpoint, written once. */
  cache: string;
  /** `--budget-s S` (default 450): the whole run's time budget, seconds. */
  budgetS: number;
  /** `--device-memory-gb N`: the device memory the fit check assumes (default from `GPU_MEMORY_MB`, else the adapter's). */
  deviceMemoryGb?: number;
  /** `--hparam key=value` (repeatable): overrides of the ROME and MEMIT reference settings. */
  hparams: Record<string, unknown>;
}

/**
 * Parses the flags of the file comment.
 * @throws Error naming the flag for an unknown flag, a missing value, a `--budget-s` or `--device-memory-gb`
 * that is not a number > 0, or an `--hparam` that is not `key=JSON`.
 */
export function parseGpuReportArgs(argv: readonly string[]): GpuReportArgs {
  const s = { type: 'string' } as const;
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: { out: s, small: { type: 'boolean' }, cache: s, 'budget-s': s, 'device-memory-gb': s, hparam: { type: 'string', multiple: true } },
  });
  return {
    out: nodePath.resolve(values.out ?? 'benchmarks/gpu/out'),
    small: values.small ?? false,
    cache: nodePath.resolve(values.cache ?? DEFAULT_7B_CACHE),
    budgetS: numberFlag(values, 'budget-s', { above: 0 }, 450),
    deviceMemoryGb: numberFlag(values, 'device-memory-gb', { above: 0 }),
    hparams: keyValueFlags(values, 'hparam'),
  };
}

/** This file is the script node runs (not a module a test imports). */
const isMain = !!process.argv[1] && nodePath.resolve(process.argv[1]) === fileURLToPath(import.meta.url);

function cliArgs(): GpuReportArgs {
  if (!isMain) return parseGpuReportArgs([]);
  try {
    return parseGpuReportArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`gpu-report: ${(e as Error).message}\n`);
    process.exit(2);
  }
}

const { small, out, cache, budgetS, deviceMemoryGb, hparams: overrides } = cliArgs();
const t0 = performance.now();
const elapsed = () => (performance.now() - t0) / 1000;
const log = (l: string) => process.stderr.write(`[gpu ${elapsed().toFixed(0).padStart(3)} s] ${l}\n`);
const report: { started: string; small: boolean; env: Record<string, string | undefined>; adapter?: unknown; phases: Phase[] } = {
  started: new Date().toISOString(),
  small,
  env: { VK_ICD_FILENAMES: process.env.VK_ICD_FILENAMES, GPU_NAME: process.env.GPU_NAME, GPU_MEMORY_MB: process.env.GPU_MEMORY_MB, node: process.version },
  phases: [],
};

function save(): void {
  mkdirSync(out, { recursive: true });
  writeFileSync(nodePath.join(out, 'report.json'), JSON.stringify(report, null, 2));
  writeFileSync(nodePath.join(out, 'report.md'), markdown());
}

function markdown(): string {
  const lines = [`# crossedit GPU report (${small ? '--small check' : 'Chinese-LLaMA-2-7B shape'})`, '', `Started ${report.started}; adapter: ${String((report.adapter as { text?: string })?.text ?? '?')}`, ''];
  lines.push('| phase | status | seconds | result |', '|---|---|--:|---|');
  for (const p of report.phases) {
    const r = p.result ? Object.entries(p.result).map(([k, v]) => `${k}: ${typeof v === 'number' ? +v.toPrecision(4) : JSON.stringify(v)}`).join('; ') : (p.error ?? '');
    lines.push(`| ${p.name} | ${p.status} | ${p.seconds.toFixed(1)} | ${r.replace(/\|/g, '/')} |`);
  }
  return `${lines.join('\n')}\n`;
}

/** Runs a phase with its own time box (and the run's remaining budget); the outcome is recorded and saved. */
async function phase(name: string, boxS: number, run: () => Promise<Record<string, unknown>>): Promise<Record<string, unknown> | undefined> {
  const left = budgetS - elapsed();
  const p: Phase = { name, status: 'skipped', seconds: 0 };
  report.phases.push(p);
  if (left < 5) {
    p.error = `skipped: the run's ${budgetS} s budget is spent`;
    save();
    return undefined;
  }
  const box = Math.min(boxS, left);
  log(`${name} (time box ${box.toFixed(0)} s)...`);
  const start = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const result = await Promise.race([
      run(),
      new Promise<never>((_, rej) => (timer = setTimeout(() => rej(new Error(`timed out after ${box.toFixed(0)} s`)), box * 1000))),
    ]);
    Object.assign(p, { status: 'ok', result });
    log(`  ${JSON.stringify(result)}`);
    return result;
  } catch (e) {
    const msg = (e as Error).message;
    Object.assign(p, { status: /^timed out/.test(msg) ? 'timed out' : 'failed', error: msg.slice(0, 500) });
    log(`  ${p.status}: ${msg}`);
    return undefined;
  } finally {
    clearTimeout(timer);
    p.seconds = (performance.now() - start) / 1000;
    save();
  }
}

/** Random values of a fixed magnitude (timing only). */
function values(n: number, seed: number): Float32Array {
  const v = new Float32Array(n);
  let s = seed | 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) | 0;
    v[i] = ((s >>> 8) / 16777216 - 0.5) * 0.1;
  }
  return v;
}

/** GFLOP/s of `x[M,K] · W[N,K]ᵀ` with W in `dtype` (a linear layer's product), steady state. */
async function matmulRate(backend: Backend, n: number, dtype: 'f32' | 'f16', reps: number): Promise<number> {
  const x = tensor(values(n * n, 1), [n, n], { backend });
  const w = tensor(values(n * n, 2), [n, n], { backend, dtype });
  const once = async (k: number) => {
    const outs = [];
    for (let i = 0; i < k; i++) outs.push(tidy(() => matmul(x, w, { transB: true })));
    await outs[k - 1].data();
    for (const o of outs) o.dispose();
  };
  await once(1);
  const t = performance.now();
  await once(reps);
  const s = (performance.now() - t) / 1000;
  x.dispose();
  w.dispose();
  return (2 * n * n * n * reps) / s / 1e9;
}

async function main(): Promise<void> {
  const { createWebGpuBackend } = await import('@crossedit/webgpu');
  let backend: Backend;
  try {
    backend = await createWebGpuBackend();
  } catch (e) {
    report.phases.push({ name: 'adapter', status: 'failed', seconds: elapsed(), error: (e as Error).message });
    save();
    throw e;
  }
  const info = (backend as Backend & { adapter: { vendor: string; device: string; description: string; isSoftware: boolean; features: string[]; limits: Record<string, number> } }).adapter;
  const text = adapterText(backend);
  const peak = PEAKS.find((p) => p.match.test(`${process.env.GPU_NAME ?? ''} ${info.description} ${info.device}`));
  const envPeak = (k: string) => (process.env[k] ? Number(process.env[k]) : undefined);
  const peaks = { f32: envPeak('PEAK_F32_TFLOPS') ?? peak?.f32, f16: envPeak('PEAK_F16_TFLOPS') ?? peak?.f16, f16Tensor: peak?.f16Tensor, source: process.env.PEAK_F32_TFLOPS ? 'env' : (peak?.name ?? 'unknown device') };
  report.adapter = { text, isSoftware: info.isSoftware, f16: backend.f16, maxStorageBufferBindingSize: info.limits.maxStorageBufferBindingSize, maxBufferSize: info.limits.maxBufferSize, features: info.features, peaks };
  log(`adapter: ${text}`);
  if (!small && info.isSoftware) log('WARNING: a software adapter (lavapipe) — no GPU driver was picked up; the full run will not finish in time (use --small)');
  save();

  const n = small ? 512 : 4096;
  await phase('matmul f32', 40, async () => {
    const g = await matmulRate(backend, n, 'f32', small ? 2 : 20);
    return { shape: `${n}x${n}x${n}`, gflops: g, peakTflops: peaks.f32 ?? 'unknown', ofPeak: peaks.f32 ? g / (peaks.f32 * 1000) : 'unknown' };
  });
  await phase('matmul f16 weights (f32 accumulate)', 40, async () => {
    if (!backend.f16) throw new Error('the adapter has no shader-f16');
    const g = await matmulRate(backend, n, 'f16', small ? 2 : 20);
    return { shape: `${n}x${n}x${n}`, gflops: g, peakTflops: peaks.f16 ?? 'unknown', ofPeak: peaks.f16 ? g / (peaks.f16 * 1000) : 'unknown', tensorCorePeakTflops: peaks.f16Tensor ?? 'unknown' };
  });

  const config = small ? CL2_SMALL : CL2_7B;
  let dir = '';
  await phase('write random checkpoint (once, cached)', 200, async () => {
    dir = await ensure7bCheckpoint(cache, log, config, small ? 'chinese-llama2-small-random' : 'chinese-llama2-7b-random', small ? 60e6 : 10e9);
    return { dir, peakRssGB: peakRss() / 1e9 };
  });
  let model: LlamaModel | null = null;
  await phase('load (f16, streamed)', 120, async () => {
    const t = performance.now();
    const memGb = deviceMemoryGb ?? (process.env.GPU_MEMORY_MB ? (Number(process.env.GPU_MEMORY_MB) * 2 ** 20) / 1e9 : NaN);
    model = await chineseLlama2.loadModel({ modelDir: dir }, { backend, dtype: 'f16', deviceMemoryBytes: Number.isFinite(memGb) ? memGb * 1e9 : undefined });
    const s = (performance.now() - t) / 1000;
    return { seconds: s, layers: model.config.numLayers, deviceGB: backend.memory().bytesInUse / 1e9, peakRssGB: peakRss() / 1e9 };
  });
  if (!model) {
    save();
    return;
  }
  const m: LlamaModel = model;
  await phase('forward: prefill 32 tokens', 60, async () => {
    const ids = Int32Array.from({ length: 32 }, (_, i) => (i * 7919 + 13) % config.vocabSize);
    const run = async () => {
      const t = performance.now();
      const l = tidy(() => m.forward(tensor(ids, [1, 32], { backend, dtype: 'i32' })).logits!);
      const d = await l.data();
      l.dispose();
      if (!d.every(Number.isFinite)) throw new Error('non-finite logits');
      return (performance.now() - t) / 1000;
    };
    const first = await run();
    const next = await run();
    return { firstS: first, nextS: next, tokensPerS: 32 / next };
  });
  await phase('decode (KV cache, greedy)', 60, async () => {
    const prompt = [1, 29871, 13, 450];
    const ta = performance.now();
    await generate(m, prompt, { maxNewTokens: 1 });
    const tb = performance.now();
    const k = small ? 8 : 16;
    await generate(m, prompt, { maxNewTokens: 1 + k });
    const tc = performance.now();
    return { tokens: k, tokensPerS: k / ((tc - tb - (tb - ta)) / 1000) };
  });
  const tokenizer = await chineseLlama2.createTokenizer({ modelDir: dir });
  for (const [id, box] of [['rome', 120], ['memit', 120]] as const) {
    await phase(`${id} edit (reference settings${Object.keys(overrides).length ? `, ${JSON.stringify(overrides)}` : ''})`, box, async () => {
      const method = ((await import(id === 'rome' ? '@crossedit/method-rome' : '@crossedit/method-memit')) as { default: EditMethod<Record<string, unknown>> }).default;
      const backbone = { id: 'chinese-llama2', config: m.config };
      const ctx: EditContext = { model: m, tokenizer, backbone, backend, rng: new Rng(0), stats: identityStats(m.config.intermediateSize, backend), log: { info: () => undefined, warn: log }, cacheDir: nodePath.join(cache, 'edit-cache') };
      const hp = parseHparams(method.id, method.hparams, method.presets?.(backbone), overrides);
      const t = performance.now();
      const res = await method.apply(ctx, [{ id: 'gpu', prompt: 'The mother tongue of Danielle Darrieux is', subject: 'Danielle Darrieux', target: 'English', lang: 'en' }], hp);
      const s = (performance.now() - t) / 1000;
      await res.restore();
      const d = res.diagnostics ?? {};
      const steps = Number(d.vSteps ?? d.zSteps);
      const vMs = Number(d.vMs ?? d.zMs);
      return { layers: (hp as { layers?: number[] }).layers, seconds: s, templatesS: Number(d.templatesMs) / 1000, vStarS: vMs / 1000, vSteps: steps, perStepS: vMs / 1000 / steps, note: 'identity second moments (random weights have no corpus statistics)' };
    });
  }
  m.dispose();
  backend.dispose();
  save();
}

if (isMain) {
  main()
    .then(() => {
      log(`done in ${elapsed().toFixed(0)} s; ${nodePath.join(out, 'report.md')}`);
      process.exit(0);
    })
    .catch((e) => {
      log(`failed: ${(e as Error).message}`);
      save();
      process.exit(1);
    });
}
