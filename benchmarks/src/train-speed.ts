/**
 * Training-step throughput of the embedded model's trainer (`crossedit train`): the backbone-tiny
 * `Trainer` (forward, `valueAndGrads`, clip, Adam) on the candidate architecture (default 6 layers,
 * hidden 96, MLP 256, 4 heads, vocabulary 6,144, tied embeddings, the trainer's GPT-2 init) on `cpu-f32`,
 * on seeded synthetic batches of 16 lines of 16 predicted tokens; and in the same run the same steps (same
 * initial weights, batches and learning rates) in PyTorch fp32 (`benchmarks/torch/train_step.py`, the
 * step of the scouting script `train_torch.py`; Debian's `/usr/bin/python3`, `OMP_NUM_THREADS=1` by
 * default), interleaved step by step. Prints tokens/s (wall) and CPU-s per step for both, the ratio, the
 * two losses of the first and last step (the same weights and data: they agree to f32 rounding at the
 * first step), and a per-kernel time breakdown of a few further project steps (`HostBackend` profiling).
 *
 * Run: `pnpm bench train-speed [--steps 20] [--warmup 2] [--profile-steps 3] [--profile-shapes] [--torch on|off]
 * [--threads 1] [--backend cpu-f32|cpu] [--layers 6] [--hidden 96] [--inter 256] [--heads 4]
 * [--vocab 6144] [--batch 16] [--seq 16] [--seed 1]`
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { Rng, weightName, type ModelConfig } from '@crossedit/core';
import { createCpuBackend, createCpuF32Backend, type HostBackend, type KernelTime } from '@crossedit/cpu';
import { LlamaModel } from '@crossedit/transformer';
import { STUDY_RUNS, Trainer, collate, initWeights, trainableRefs, type Seq, type TrainConfig } from '@crossedit/backbone-tiny';
import { choiceFlag, numberFlag } from './args.js';
import { findTorchPython } from './stories/torch.js';
import { TorchProcess } from './torch-process.js';

const TORCH_SCRIPT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../torch/train_step.py');

/** The benchmark's settings, after parsing. */
export interface TrainSpeedOptions {
  /** Timed steps. */
  steps: number;
  /** Untimed steps first (both sides). */
  warmup: number;
  /** Project steps after the timed ones, run with kernel profiling on (0: no breakdown). */
  profileSteps: number;
  /** Split the breakdown by input shapes too. */
  profileShapes: boolean;
  /** Whether to run the PyTorch side. */
  torch: boolean;
  /** PyTorch threads. */
  threads: number;
  /** The project backend. */
  backend: 'cpu-f32' | 'cpu';
  /** The architecture. */
  model: ModelConfig;
  /** Lines per batch. */
  batch: number;
  /** Predicted tokens per line (lines are `seq + 1` ids). */
  seq: number;
  /** Seed of the weights and the synthetic lines. */
  seed: number;
}

/** Parses `pnpm bench train-speed` options (strict; each value checked, errors name the flag). */
export function parseTrainSpeedArgs(argv: string[]): TrainSpeedOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      steps: { type: 'string' },
      warmup: { type: 'string' },
      'profile-steps': { type: 'string' },
      'profile-shapes': { type: 'boolean' },
      torch: { type: 'string' },
      threads: { type: 'string' },
      backend: { type: 'string' },
      layers: { type: 'string' },
      hidden: { type: 'string' },
      inter: { type: 'string' },
      heads: { type: 'string' },
      vocab: { type: 'string' },
      batch: { type: 'string' },
      seq: { type: 'string' },
      seed: { type: 'string' },
    },
  });
  const int = (name: string, min: number, fallback: number) => numberFlag(values, name, { integer: true, min }, fallback);
  const hidden = int('hidden', 2, 96);
  const heads = int('heads', 1, 4);
  if (hidden % heads !== 0 || (hidden / heads) % 2 !== 0) throw new Error(`--hidden must be a multiple of 2 × --heads (got hidden ${hidden}, heads ${heads})`);
  const seq = int('seq', 1, 16);
  return {
    steps: int('steps', 1, 20),
    warmup: int('warmup', 0, 2),
    profileSteps: int('profile-steps', 0, 3),
    profileShapes: values['profile-shapes'] === true,
    torch: choiceFlag(values, 'torch', ['on', 'off'], 'on') === 'on',
    threads: int('threads', 1, 1),
    backend: choiceFlag(values, 'backend', ['cpu-f32', 'cpu'], 'cpu-f32'),
    model: {
      vocabSize: int('vocab', 4, 6144),
      hiddenSize: hidden,
      intermediateSize: int('inter', 1, 256),
      numLayers: int('layers', 1, 6),
      numHeads: heads,
      numKvHeads: heads,
      rmsNormEps: 1e-5,
      ropeBase: 10000,
      maxPositions: Math.max(256, seq + 1),
      tieEmbeddings: true,
    },
    batch: int('batch', 1, 16),
    seq,
    seed: int('seed', 0, 1),
  };
}

/**
 * The trainer config of the benchmark: the `t6` recipe's optimizer (AdamW 3e-3, wd 0.05, clip 1) on the given
 * architecture, over the study's first config, which has none of the extra objectives (interchange, key
 * decorrelation, bottleneck): the step `train_step.py` also runs.
 */
export function benchTrainConfig(o: TrainSpeedOptions): TrainConfig {
  return {
    ...STUDY_RUNS['first-model'],
    model: o.model,
    seed: o.seed,
    steps: o.warmup + o.steps + o.profileSteps,
    batchSize: o.batch,
    maxLen: o.seq + 1,
    lr: 3e-3,
    minLr: 3e-4,
    warmupSteps: 30,
    weightDecay: 0.05,
    gradClip: 1,
  };
}

/** `count` seeded lines of `seq + 1` random ids (no specials: ids from 3). */
export function syntheticLines(count: number, seq: number, vocab: number, seed: number): Seq[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => ({ ids: Array.from({ length: seq + 1 }, () => 3 + rng.int(vocab - 3)), answerStart: -1, answerEnd: -1, lang: 'en' as const }));
}

interface StepTime {
  ms: number;
  cpuMs: number;
  loss: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : NaN;
}

function sumOf(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

function table(head: string[], body: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}

/** `benchmarks/torch/train_step.py` as a child process: one training step per request line. */
class TorchTrainer {
  private constructor(readonly proc: TorchProcess) {}

  get info(): { torch: string; threads: number } {
    return this.proc.info;
  }

  static async start(python: string, problem: string, threads: number): Promise<TorchTrainer> {
    return new TorchTrainer(await TorchProcess.start(python, TORCH_SCRIPT, problem, threads));
  }

  async step(i: number, lr: number): Promise<StepTime> {
    const v = await this.proc.request(`step ${i} ${lr}`);
    return { ms: Number(v.ms), cpuMs: Number(v.cpuMs), loss: Number(v.loss) };
  }

  close(): Promise<void> {
    return this.proc.close();
  }
}

/** Runs the benchmark. */
export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  const o = parseTrainSpeedArgs(argv);
  const cfg = benchTrainConfig(o);
  const total = cfg.steps;
  const backend = (o.backend === 'cpu' ? createCpuBackend() : createCpuF32Backend()) as HostBackend<Float32Array | Float64Array | Int32Array>;
  const lines = syntheticLines(total * o.batch, o.seq, o.model.vocabSize, o.seed + 1);
  const model = new LlamaModel(o.model, initWeights(o.model, cfg.seed, backend));
  const trainer = new Trainer(model, cfg, lines, 0);
  const refs = trainableRefs(o.model);
  const tokens = o.batch * o.seq;
  const load0 = loadavg();
  let torch: TorchTrainer | null = null;
  let torchNote = '';
  const tmp = mkdtempSync(path.join(tmpdir(), 'crossedit-train-speed-'));
  try {
    if (o.torch) {
      const found = findTorchPython();
      if ('missing' in found) torchNote = `PyTorch side skipped: ${found.missing}`;
      else {
        // the initial weights exactly as the project holds them, and every step's collated batch
        const weights: { name: string; shape: number[]; offset: number }[] = [];
        const chunks: Buffer[] = [];
        let offset = 0;
        for (const r of refs) {
          const t = model.weight(r);
          const d = Float32Array.from(await t.data());
          weights.push({ name: weightName(r), shape: [...t.shape], offset });
          chunks.push(Buffer.from(d.buffer, d.byteOffset, d.byteLength));
          offset += d.byteLength;
        }
        const weightsFile = path.join(tmp, 'weights.f32');
        writeFileSync(weightsFile, Buffer.concat(chunks));
        const batches = Array.from({ length: total }, (_, s) => {
          const c = collate(
            trainer.schedule.batch(s).map((i) => lines[i]),
            0,
            cfg.promptLossWeight ?? 1,
          );
          return { inputs: [...c.inputs], targets: [...c.targets], mask: [...c.mask], rows: c.rows, cols: c.cols };
        });
        const problem = path.join(tmp, 'problem.json');
        writeFileSync(problem, JSON.stringify({ config: o.model, weights, weightsFile, batches, adam: { weightDecay: cfg.weightDecay, betas: [0.9, 0.999], eps: 1e-8 }, gradClip: cfg.gradClip }));
        torch = await TorchTrainer.start(found.python, problem, o.threads);
      }
    }
    const ts: StepTime[] = [];
    const pt: StepTime[] = [];
    let firstLoss: [number, number] = [NaN, NaN];
    let lastLoss: [number, number] = [NaN, NaN];
    for (let s = 0; s < o.warmup + o.steps; s++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const rec = await trainer.step();
      const ms = performance.now() - t0;
      const cu = process.cpuUsage(c0);
      const a: StepTime = { ms, cpuMs: (cu.user + cu.system) / 1000, loss: rec.loss };
      const b = torch ? await torch.step(s, rec.lr) : null;
      if (s === 0) firstLoss = [a.loss, b?.loss ?? NaN];
      lastLoss = [a.loss, b?.loss ?? NaN];
      if (s < o.warmup) continue;
      ts.push(a);
      if (b) pt.push(b);
    }
    const load1 = loadavg();
    const row = (name: string, xs: StepTime[]) => {
      const wall = sumOf(xs.map((x) => x.ms)) / 1000;
      const cpu = sumOf(xs.map((x) => x.cpuMs)) / 1000;
      return [name, String(xs.length), ((xs.length * tokens) / wall).toFixed(0), ((xs.length * tokens) / cpu).toFixed(0), median(xs.map((x) => x.ms)).toFixed(1), (cpu / xs.length).toFixed(3)];
    };
    console.log(
      `train-speed: L${o.model.numLayers} h${o.model.hiddenSize} mlp${o.model.intermediateSize} heads${o.model.numHeads} V${o.model.vocabSize} (tied), ` +
        `batches ${o.batch} × ${o.seq} tokens, ${o.steps} timed steps after ${o.warmup} warm-up, interleaved step by step${torch ? ` with PyTorch ${torch.info.torch} (${torch.info.threads} thread${torch.info.threads === 1 ? '' : 's'})` : ''}\n`,
    );
    const body = [row(`project ${backend.name}`, ts)];
    if (pt.length) body.push(row('PyTorch fp32', pt));
    console.log(table(['side', 'steps', 'tokens/s (wall)', 'tokens/CPU-s', 'median ms/step', 'CPU-s/step'], body));
    if (pt.length) {
      const tw = sumOf(ts.map((x) => x.ms));
      const pw = sumOf(pt.map((x) => x.ms));
      const tc = sumOf(ts.map((x) => x.cpuMs));
      const pc = sumOf(pt.map((x) => x.cpuMs));
      console.log(`\nproject/PyTorch: ${(tw / pw).toFixed(2)}× the wall time, ${(tc / pc).toFixed(2)}× the CPU time per step`);
      console.log(`loss at step 0: project ${firstLoss[0].toFixed(5)}, PyTorch ${firstLoss[1].toFixed(5)}; at step ${o.warmup + o.steps - 1}: ${lastLoss[0].toFixed(5)}, ${lastLoss[1].toFixed(5)}`);
    }
    if (torchNote) console.log(`\nnote: ${torchNote}`);
    console.log(`load average ${load0.map((x) => x.toFixed(2)).join(' ')} before, ${load1.map((x) => x.toFixed(2)).join(' ')} after`);

    if (o.profileSteps > 0) {
      backend.startProfile({ shapes: o.profileShapes });
      const t0 = performance.now();
      for (let s = 0; s < o.profileSteps; s++) await trainer.step();
      const wall = performance.now() - t0;
      const prof = backend.stopProfile();
      printProfile(prof, wall, o.profileSteps);
    }
  } finally {
    await torch?.close();
    rmSync(tmp, { recursive: true, force: true });
    trainer.dispose();
    model.dispose();
  }
}

/** The per-kernel breakdown: ms per step, share of the step, calls per step; the rest is engine and autograd time. */
export function printProfile(prof: Map<string, KernelTime>, wallMs: number, steps: number): void {
  const rows = [...prof.entries()].sort((a, b) => b[1].ms - a[1].ms);
  const inKernels = sumOf(rows.map(([, t]) => t.ms));
  const body = rows.map(([k, t]) => [k, (t.ms / steps).toFixed(2), `${((100 * t.ms) / wallMs).toFixed(1)}%`, String(Math.round(t.calls / steps))]);
  body.push(['(outside kernels: engine, autograd, trainer)', ((wallMs - inKernels) / steps).toFixed(2), `${((100 * (wallMs - inKernels)) / wallMs).toFixed(1)}%`, '']);
  console.log(`\nper-kernel time of the project, ${steps} profiled step${steps === 1 ? '' : 's'} (${(wallMs / steps).toFixed(1)} ms/step wall):\n`);
  console.log(table(['kernel', 'ms/step', 'share', 'calls/step'], body));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
