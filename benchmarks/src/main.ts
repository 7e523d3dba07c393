/**
 * `pnpm bench [name] [options]`: the benchmark dispatcher. Each benchmark is a module of this folder;
 * the dispatcher imports it and calls its exported `main(argv)` (options after the name are passed on,
 * and `process.argv` is set to `[node, <placeholder>, ...options]` for modules that parse it themselves).
 * A module without `main` is driven by its known entry function, or has run when it was imported (a
 * script with a top-level call). A module should export `main` and start itself only when it is the
 * file node was given (`process.argv[1]`), so that it runs once under the dispatcher.
 *
 *   pnpm bench                 # lists the benchmarks
 *   pnpm bench grid --limit 5  # one benchmark with its options
 *   pnpm bench all             # every performance benchmark (kernels, tokenizers, models, methods) in turn
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** A module's exports, as far as the dispatcher cares. */
type BenchModule = Record<string, unknown> & { main?: (argv: string[]) => unknown };

/** One benchmark the dispatcher knows. */
export interface BenchEntry {
  /** Module path relative to this folder, as a `.ts` file. */
  file: string;
  /** One line for the listing. */
  summary: string;
  /** How to run it when the module has no `main` export. */
  fallback?: (mod: BenchModule, argv: string[]) => Promise<unknown>;
}

const here = path.dirname(fileURLToPath(import.meta.url));

/** The benchmarks, in `all` order (the grid is not part of `all`). */
export const BENCHMARKS: Record<string, BenchEntry> = {
  kernels: { file: 'kernels.ts', summary: 'kernel throughput, WebGPU vs the CPU reference: matmul, linear, MEMIT key products, softmax, RMSNorm' },
  tokenizers: { file: 'tokenizers.ts', summary: 'tokenizer throughput on the Bi-ZsRE corpus: TS SentencePiece, HF tokenizers, python sentencepiece' },
  models: { file: 'models.ts', summary: 'model load time, peak memory, forward and decode throughput (7B-shaped layer, tiny, stories260K)' },
  launch: { file: 'launch.ts', summary: 'WebGPU launch overhead: host µs per dispatch, dispatches per ROME v* step, stories260K ROME edit (fast vs previous path)' },
  methods: { file: 'methods.ts', summary: 'per-edit latency of FT, KN, IKE, ROME, MEMIT on tiny random LLaMAs (cpu, cpu-f32, WebGPU); stories260K ROME/MEMIT/FT vs PyTorch fp32' },
  'train-speed': { file: 'train-speed.ts', summary: 'backbone-tiny training steps (6L/h96/MLP256/V6144, batches 16 × 16) on cpu-f32 vs PyTorch fp32, interleaved: tokens/s, CPU-s per step, per-kernel breakdown' },
  'grid-time': { file: 'grid-time.ts', summary: 'the embedded-model grid timed on a few Bi-ZsRE records: per-method seconds per edit and the projected full-grid total (--records N, --jobs N)' },
  'fp16-rome': { file: 'fp16-rome.ts', summary: 'ROME with f16-stored vs f32 weights: ΔW difference and post-edit target probability on stories260K and a 7B-shaped layer' },
  sharded: { file: 'sharded.ts', summary: 'tensors past the binding limit on WebGPU: the Chinese-LLaMA-2 LM head and embedding (55,296 × 4,096) as engine row shards vs the same work split by hand' },
  editors: { file: 'editors/shipped.ts', summary: 'rebuilds the MEND and SERAC artifacts shipped for the embedded model, then evaluates unedited/MEND/SERAC on Bi-ZsRE (en, zh)' },
  'training-scale': { file: 'editors/training-scale.ts', summary: 'Figure 3 data: SERAC, MEND (trained at 100/500/1K/3K/5K samples, capped iterations) and IKE (bank of N) on a fixed Bi-ZsRE slice' },
  grid: { file: 'grid/command.ts', summary: 'the cross-lingual grid: methods × backbones × En→/Zh→ on Bi-ZsRE, report in the paper layout' },
};

/** The names `all` runs. */
export const ALL = ['kernels', 'tokenizers', 'models', 'methods'];

/** The listing printed by `pnpm bench` without a name. */
export function usage(): string {
  const w = Math.max(...Object.keys(BENCHMARKS).map((k) => k.length));
  const lines = Object.entries(BENCHMARKS).map(([k, b]) => `  ${k.padEnd(w)}  ${b.summary}${existsSync(path.join(here, b.file)) ? '' : ' (not available yet)'}`);
  return ['usage: pnpm bench <name> [options]   (pnpm bench all: ' + ALL.join(', ') + ')', '', ...lines, '', 'see benchmarks/README.md'].join('\n');
}

/** Runs one benchmark by name with its options. */
export async function runBenchmark(name: string, argv: string[]): Promise<void> {
  const b = BENCHMARKS[name];
  if (!b) throw new Error(`unknown benchmark '${name}'\n\n${usage()}`);
  const file = path.join(here, b.file);
  if (!existsSync(file)) throw new Error(`benchmark '${name}' is not available yet (${path.relative(process.cwd(), file)} does not exist)`);
  // modules that read process.argv see only their own options. argv[1] names no module (and does not
  // end in `main.ts`, which @crossedit/cli's entry guard would take for its own), so a module guarded by
  // "run when executed directly" does not start itself on import
  process.argv = [process.argv[0], path.join(here, `bench-${name}`), ...argv];
  const mod = (await import(pathToFileURL(file).href)) as BenchModule;
  if (typeof mod.main === 'function') await mod.main(argv);
  else if (b.fallback) await b.fallback(mod, argv);
  // else: a script that ran on import
}

/** Entry point: `main([name, ...options])`. */
export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    console.log(usage());
    return;
  }
  if (name === 'all') {
    for (const n of ALL) {
      if (!existsSync(path.join(here, BENCHMARKS[n].file))) {
        console.log(`\n### ${n}: not available yet, skipped`);
        continue;
      }
      console.log(`\n### ${n}`);
      await runBenchmark(n, rest);
    }
    return;
  }
  await runBenchmark(name, rest);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    await main();
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  }
}
