/**
 * WebGPU launch overhead, fast launch path against the previous one, interleaved in one run:
 *
 * - host µs per kernel call and per dispatch for a chain of small elementwise ops with scalar operands:
 *   the process CPU time spent *issuing* them (nothing is submitted meanwhile, so lavapipe's threads
 *   are idle and other processes on the machine do not count), the GPU's drain reported apart;
 * - a ROME v* optimisation on stories260K (25 steps, two fixed templates, no early stop): dispatches and
 *   `Fill` dispatches per step, read-backs, wall ms;
 * - a whole ROME step (u, v*, insert) of the same edit, wall ms.
 *
 * `fastLaunch: false` is the previous path (a bind group per dispatch, programs rebuilt and keyed by
 * their WGSL text, a `Fill` dispatch per constant); both run on their own backend, alternately.
 *
 * Run: `pnpm bench launch [--reps N] [--ops N] [--steps N] [--model FILE]`
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { add, mul, parseHparams, Rng, setBackend, sub, tensor, tidy, type EditContext, type Tensor } from '@crossedit/core';
import llama from '@crossedit/backbone-llama';
import { createWebGpuBackend, type WebGpuBackend } from '@crossedit/webgpu';
import rome, { computeV, romeStep } from '../../plugins/method-rome/src/index.js';
import { numberFlag } from './args.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const DEFAULT_MODEL = path.resolve(here, '../../../shared/models/stories260k/stories260K.gguf');
const TEMPLATES = ['{}', 'Once upon a time, {}'];
/** Elementwise calls per timed round (at most 5 dispatches per 3 calls: below the batch limit of 256). */
const ROUND = 120;
const REQUEST = { id: 'bench:0', prompt: "Lily's favorite color was", subject: 'Lily', target: 'green', lang: 'en' };

/** The two launch paths compared. */
const MODES = { fast: true, previous: false } as const;
type Mode = keyof typeof MODES;

interface Sample {
  hostUsPerCall: number;
  hostUsPerDispatch: number;
  gpuDrainMs: number;
  vDispatchesPerStep: number;
  vFillsPerStep: number;
  vReadsPerStep: number;
  vBindGroupsPerStep: number;
  vMs: number;
  editMs: number;
}

/** Counts kernel runs by name (wraps the instance's `run`). */
function countKernels(gpu: WebGpuBackend): Map<string, number> {
  const counts = new Map<string, number>();
  const run = gpu.run.bind(gpu);
  gpu.run = ((kernel, inputs, attrs, outputs) => {
    counts.set(kernel, (counts.get(kernel) ?? 0) + 1);
    return run(kernel, inputs, attrs, outputs);
  }) as typeof gpu.run;
  const read = gpu.read.bind(gpu);
  gpu.read = ((s, info) => {
    counts.set('read', (counts.get('read') ?? 0) + 1);
    return read(s, info);
  }) as typeof gpu.read;
  return counts;
}

/**
 * `ops` small elementwise calls with scalar operands, in rounds of {@link ROUND} calls that stay below
 * the batch limit: only the issuing is timed (nothing is submitted while it runs, so lavapipe's own
 * threads are idle), then the round is drained untimed. Returns host µs per call and per dispatch.
 */
async function microLaunch(gpu: WebGpuBackend, ops: number): Promise<Pick<Sample, 'hostUsPerCall' | 'hostUsPerDispatch' | 'gpuDrainMs'>> {
  const x = tensor(Float32Array.from({ length: 256 }, (_, i) => Math.sin(i)), [256]);
  const chain = (n: number): Tensor =>
    tidy(() => {
      let h = x;
      for (let i = 0; i < n; i += 3) h = sub(add(mul(h, 0.5), x), 0.25);
      return h;
    });
  for (let w = 0; w < 5; w++) (await chain(ROUND).data()) satisfies ArrayLike<number>; // warm: pipelines, JIT, caches
  let host = 0;
  let drain = 0;
  let dispatches = 0;
  let calls = 0;
  while (calls < ops) {
    await gpu.sync();
    const d0 = gpu.counters.dispatches;
    const c0 = process.cpuUsage();
    const y = chain(ROUND);
    const c = process.cpuUsage(c0);
    const t1 = performance.now();
    await gpu.sync();
    drain += performance.now() - t1;
    host += (c.user + c.system) / 1000;
    dispatches += gpu.counters.dispatches - d0;
    calls += ROUND;
    y.dispose();
  }
  x.dispose();
  return { hostUsPerCall: (host * 1000) / calls, hostUsPerDispatch: (host * 1000) / dispatches, gpuDrainMs: drain };
}

async function romeSample(gpu: WebGpuBackend, counts: Map<string, number>, modelFile: string, steps: number): Promise<Omit<Sample, 'hostUsPerCall' | 'hostUsPerDispatch' | 'gpuDrainMs'> & { dW: Float32Array }> {
  const model = await llama.loadModel({ modelDir: modelFile }, { backend: gpu });
  const tokenizer = await llama.createTokenizer({ modelDir: modelFile });
  const info = { id: llama.id, config: model.config };
  const hp = parseHparams(rome.id, rome.hparams, rome.presets?.(info), { vNumGradSteps: steps, earlyStopLoss: 0 });
  const ctx: EditContext = { model, tokenizer, backbone: info, backend: gpu, rng: new Rng(0), log: { info() {}, warn() {} } };
  const layer = hp.layers[0];
  const settings = { ...hp, numSteps: hp.vNumGradSteps, lr: hp.vLr, weightDecay: hp.vWeightDecay };
  await computeV(ctx, REQUEST, layer, TEMPLATES, settings); // warm-up: pipelines
  await gpu.sync();
  const d0 = gpu.counters.dispatches;
  const f0 = counts.get('Fill') ?? 0;
  const r0 = counts.get('read') ?? 0;
  const b0 = gpu.counters.bindGroupsCreated;
  const t0 = performance.now();
  await computeV(ctx, REQUEST, layer, TEMPLATES, settings);
  await gpu.sync();
  const vMs = performance.now() - t0;
  const per = (n: number) => n / steps;
  const vDispatchesPerStep = per(gpu.counters.dispatches - d0);
  const vFillsPerStep = per((counts.get('Fill') ?? 0) - f0);
  const vReadsPerStep = per((counts.get('read') ?? 0) - r0);
  const vBindGroupsPerStep = per(gpu.counters.bindGroupsCreated - b0);
  const t1 = performance.now();
  const step = await romeStep(ctx, REQUEST, layer, TEMPLATES, hp);
  await gpu.sync();
  const editMs = performance.now() - t1;
  const dW = Float32Array.from(await step.delta.delta.data());
  step.delta.delta.dispose();
  model.dispose();
  return { vDispatchesPerStep, vFillsPerStep, vReadsPerStep, vBindGroupsPerStep, vMs, editMs, dW };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * Parses `[--reps 2] [--ops 3000] [--steps 25] [--model FILE]` (default model: the shared stories260K GGUF).
 * @throws Error naming the flag for an unknown flag, a missing value or a count that is not an integer >= 1.
 */
export function parseLaunchArgs(argv: readonly string[]): { reps: number; ops: number; steps: number; model: string } {
  const s = { type: 'string' } as const;
  const { values } = parseArgs({ args: [...argv], strict: true, options: { reps: s, ops: s, steps: s, model: s } });
  const positive = { integer: true, min: 1 };
  return { reps: numberFlag(values, 'reps', positive, 2), ops: numberFlag(values, 'ops', positive, 3000), steps: numberFlag(values, 'steps', positive, 25), model: values.model ?? DEFAULT_MODEL };
}

/** Runs the benchmark and prints the table. */
export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  const { reps, ops, steps, model } = parseLaunchArgs(argv);
  const backends = {} as Record<Mode, { gpu: WebGpuBackend; counts: Map<string, number> }>;
  for (const m of Object.keys(MODES) as Mode[]) {
    const gpu = await createWebGpuBackend({ fastLaunch: MODES[m] });
    backends[m] = { gpu, counts: countKernels(gpu) };
  }
  const samples: Record<Mode, Sample[]> = { fast: [], previous: [] };
  const dWs: Record<Mode, Float32Array | null> = { fast: null, previous: null };
  for (let r = 0; r < reps; r++) {
    for (const m of (r % 2 ? ['previous', 'fast'] : ['fast', 'previous']) as Mode[]) {
      const { gpu, counts } = backends[m];
      setBackend(gpu);
      const micro = await microLaunch(gpu, ops);
      const { dW, ...rs } = await romeSample(gpu, counts, model, steps);
      dWs[m] = dW;
      samples[m].push({ ...micro, ...rs });
      process.stderr.write(`rep ${r + 1}/${reps} ${m}: ${micro.hostUsPerDispatch.toFixed(1)} µs/dispatch, v* ${rs.vMs.toFixed(0)} ms\n`);
    }
  }
  for (const m of Object.keys(MODES) as Mode[]) backends[m].gpu.dispose();
  const rows: [string, keyof Sample, number][] = [
    ['host CPU µs per elementwise call (scalar operand)', 'hostUsPerCall', 1],
    ['host CPU µs per dispatch', 'hostUsPerDispatch', 1],
    ['GPU drain of those calls (ms, untimed above)', 'gpuDrainMs', 1],
    ['dispatches per ROME v* step', 'vDispatchesPerStep', 1],
    ['Fill kernel calls per v* step (dispatches in previous)', 'vFillsPerStep', 1],
    ['bind groups created per v* step', 'vBindGroupsPerStep', 1],
    ['read-backs per v* step (tensor.data/item)', 'vReadsPerStep', 2],
    [`ROME v* (${steps} steps) wall ms`, 'vMs', 0],
    ['ROME edit step (u, v*, insert) wall ms', 'editMs', 0],
  ];
  const lines = [
    `WebGPU launch path, stories260K ROME (${steps} v* steps, templates ${JSON.stringify(TEMPLATES)}), median of ${reps} interleaved reps, ${ops} elementwise calls`,
    '',
    '| measure | previous | fast | previous / fast |',
    '| --- | ---: | ---: | ---: |',
  ];
  for (const [label, key, digits] of rows) {
    const p = median(samples.previous.map((s) => s[key]));
    const f = median(samples.fast.map((s) => s[key]));
    lines.push(`| ${label} | ${p.toFixed(digits)} | ${f.toFixed(digits)} | ${f > 0 ? (p / f).toFixed(2) : '—'} |`);
  }
  const a = dWs.fast!;
  const b = dWs.previous!;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  lines.push('', `ROME ΔW [${a.length} values]: max |fast − previous| = ${diff.toExponential(2)} (max |ΔW| = ${scale.toExponential(2)}; 0 means bit-identical)`);
  console.log(lines.join('\n'));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) await main();
