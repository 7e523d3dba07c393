/**
 * Kernel throughput: the WebGPU backend against the CPU reference backend, in the same run, on the
 * shapes that dominate editing workloads — matmul at 1024³, a 16-token linear layer (16×4096×4096),
 * MEMIT's 4096×11008×128 key products, softmax over a vocabulary and RMSNorm over a hidden state.
 *
 *   node --conditions=@crossedit/source --import tsx benchmarks/src/kernels-main.ts [--reps N] [--quick]
 *
 * Numbers: GFLOP/s counts 2·M·N·K per matmul (softmax ~5 flops, RMSNorm ~4 flops per element);
 * GB/s counts 4 bytes per element read or written once (for both backends, although the CPU
 * reference computes in float64). GFLOP/core-s divides by the process's CPU time instead of wall time:
 * on lavapipe (and for the CPU backend) that is the per-core throughput whatever else the machine runs. The CPU backend is measured on a smaller shape of the same kind
 * when the full one would take minutes; the table says which shape each row measured. The first
 * call of each kernel (pipeline compilation) is excluded; each row is the best of `reps` timings.
 */
import { parseArgs } from 'node:util';
import { matmul, rmsNorm, Rng, softmax, tensor, tidy, add, type Backend, type Tensor } from '@crossedit/core';
import { createCpuBackend } from '@crossedit/cpu';
import { createWebGpuBackend, type WebGpuBackend } from '@crossedit/webgpu';
import { numberFlag } from './args.js';

/** One measured row. */
export interface KernelBenchRow {
  kernel: string;
  /** The shape the row is about. */
  shape: string;
  backend: string;
  /** The shape actually measured (differs for the CPU on big shapes). */
  measured: string;
  ms: number;
  gflops: number;
  gbps: number;
  /**
   * GFLOP per second of this process's CPU time. On a software adapter (lavapipe) the kernels run on
   * the process's own threads, so this is the throughput per busy core, independent of other load on
   * the machine; multiply by the idle core count for the wall-clock figure of an otherwise idle machine.
   */
  gflopsPerCoreSecond: number;
}

interface Spec {
  kernel: string;
  shape: string;
  /** Builds inputs on a backend and returns the op to time. */
  make: (be: Backend, rng: Rng, small: boolean) => { label: string; flops: number; bytes: number; inputs: Tensor[]; run: () => Tensor };
}

function rand(be: Backend, rng: Rng, shape: number[], scale = 1): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const d = new Float32Array(n);
  for (let i = 0; i < n; i++) d[i] = scale * (rng.uniform() * 2 - 1);
  return tensor(d, shape, { backend: be });
}

function mmSpec(kernel: string, M: number, K: number, N: number, transB: boolean, small: [number, number, number], kShards = 1): Spec {
  return {
    kernel,
    shape: `${M}x${K}x${N}${transB ? ' (B^T)' : ''}${kShards > 1 ? ` in ${kShards} K-shards` : ''}`,
    make: (be, rng, isSmall) => {
      const [m, k, n] = isSmall ? small : [M, K, N];
      const shards = isSmall ? 1 : kShards;
      const ks = k / shards;
      const as = Array.from({ length: shards }, () => rand(be, rng, [m, ks], 0.05));
      const bs = Array.from({ length: shards }, () => rand(be, rng, transB ? [n, ks] : [ks, n], 0.05));
      return {
        label: `${m}x${k}x${n}`,
        flops: 2 * m * n * k,
        bytes: 4 * (m * k + k * n + m * n),
        inputs: [...as, ...bs],
        run: () => {
          let y = matmul(as[0], bs[0], { transB });
          for (let s = 1; s < shards; s++) y = add(y, matmul(as[s], bs[s], { transB }));
          return y;
        },
      };
    },
  };
}

const SPECS: Spec[] = [
  mmSpec('matmul', 1024, 1024, 1024, false, [256, 256, 256]),
  mmSpec('matmul', 1024, 1024, 1024, true, [256, 256, 256]),
  mmSpec('matmul (linear layer)', 16, 4096, 4096, true, [16, 1024, 1024]),
  // 4096x11008 f32 is 180 MB, above lavapipe's 128 MiB storage binding: two K-shards, summed
  mmSpec('matmul (MEMIT keys)', 4096, 11008, 128, false, [512, 1376, 128], 2),
  {
    kernel: 'softmax',
    shape: '64x32000',
    make: (be, rng, isSmall) => {
      const [r, v] = isSmall ? [8, 32000] : [64, 32000];
      const x = rand(be, rng, [r, v], 4);
      return { label: `${r}x${v}`, flops: 5 * r * v, bytes: 8 * r * v, inputs: [x], run: () => softmax(x) };
    },
  },
  {
    kernel: 'rmsnorm',
    shape: '512x4096',
    make: (be, rng, isSmall) => {
      const [r, d] = isSmall ? [64, 4096] : [512, 4096];
      const x = rand(be, rng, [r, d]);
      const w = rand(be, rng, [d]);
      return { label: `${r}x${d}`, flops: 4 * r * d, bytes: 4 * (2 * r * d + d), inputs: [x, w], run: () => rmsNorm(x, w, 1e-5) };
    },
  },
];

async function timeOne(be: Backend, spec: Spec, small: boolean, reps: number): Promise<KernelBenchRow> {
  const rng = new Rng(1234);
  const m = spec.make(be, rng, small);
  // warm-up: compiles pipelines, fills the pool
  const w = tidy(m.run);
  await w.data();
  w.dispose();
  let best = Infinity;
  let bestCpu = Infinity;
  for (let r = 0; r < reps; r++) {
    await be.sync();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const y = tidy(m.run);
    await be.sync();
    best = Math.min(best, performance.now() - t0);
    const c = process.cpuUsage(c0);
    bestCpu = Math.min(bestCpu, (c.user + c.system) / 1e6);
    y.dispose();
  }
  m.inputs.forEach((t) => t.dispose());
  const s = best / 1e3;
  return {
    kernel: spec.kernel,
    shape: spec.shape,
    backend: be.name,
    measured: m.label,
    ms: best,
    gflops: m.flops / s / 1e9,
    gbps: m.bytes / s / 1e9,
    gflopsPerCoreSecond: m.flops / Math.max(bestCpu, 1e-6) / 1e9,
  };
}

/** Formats rows as a fixed-width table. */
export function formatTable(rows: readonly KernelBenchRow[]): string {
  const head = ['kernel', 'shape', 'backend', 'measured at', 'ms', 'GFLOP/s', 'GB/s', 'GFLOP/core-s'];
  const body = rows.map((r) => [r.kernel, r.shape, r.backend, r.measured, r.ms.toFixed(2), r.gflops.toFixed(2), r.gbps.toFixed(2), r.gflopsPerCoreSecond.toFixed(2)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i >= 4 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

/** Options of {@link runKernelBenchmark}. */
export interface KernelBenchOptions {
  /** Timed repetitions per row (best is kept). Default 3. */
  reps?: number;
  /** Only the first matmul and softmax (a smoke run). */
  quick?: boolean;
  /** An existing WebGPU backend (otherwise one is created and disposed). */
  gpu?: WebGpuBackend;
  /** Log progress lines. */
  log?: (line: string) => void;
}

/** Runs every row on both backends and returns the rows (GPU then CPU per kernel). */
export async function runKernelBenchmark(opts: KernelBenchOptions = {}): Promise<KernelBenchRow[]> {
  const reps = opts.reps ?? 3;
  const gpu = opts.gpu ?? (await createWebGpuBackend());
  const cpu = createCpuBackend();
  const rows: KernelBenchRow[] = [];
  const specs = opts.quick ? [SPECS[0], SPECS[4]] : SPECS;
  try {
    for (const spec of specs) {
      const g = await timeOne(gpu, spec, false, reps);
      opts.log?.(`${g.kernel} ${g.shape} webgpu: ${g.ms.toFixed(1)} ms`);
      rows.push(g);
      const c = await timeOne(cpu, spec, true, Math.min(reps, 2));
      opts.log?.(`${c.kernel} ${c.measured} cpu: ${c.ms.toFixed(1)} ms`);
      rows.push(c);
    }
  } finally {
    if (!opts.gpu) gpu.dispose();
    cpu.dispose();
  }
  return rows;
}

/**
 * Parses `--reps N` (default 3) and `--quick`.
 * @throws Error naming the flag for an unknown flag, a missing value or a `--reps` that is not an integer >= 1.
 */
export function parseKernelArgs(argv: readonly string[]): { reps: number; quick: boolean } {
  const { values } = parseArgs({ args: [...argv], strict: true, options: { reps: { type: 'string' }, quick: { type: 'boolean' } } });
  return { reps: numberFlag(values, 'reps', { integer: true, min: 1 }, 3), quick: values.quick ?? false };
}

/** CLI entry: `--reps N`, `--quick`. Prints the adapter and the table. */
export async function main(argv: string[] = []): Promise<KernelBenchRow[]> {
  const { reps, quick } = parseKernelArgs(argv);
  const gpu = await createWebGpuBackend();
  const os = await import('node:os');
  const load = os.loadavg()[0];
  const cores = os.cpus().length;
  console.log(`adapter: ${gpu.adapter.description || gpu.adapter.device} (${gpu.adapter.architecture}; subgroups ${gpu.caps.subgroups}); ${cores} CPU cores, load average ${load.toFixed(1)}`);
  if (load > cores * 0.75) console.log(`note: the machine is busy (load ${load.toFixed(1)} on ${cores} cores); wall-clock rows are low, GFLOP/core-s is the load-independent figure for software adapters`);
  const rows = await runKernelBenchmark({ reps, quick, gpu, log: (l) => console.error(l) });
  gpu.dispose();
  console.log(formatTable(rows));
  return rows;
}
