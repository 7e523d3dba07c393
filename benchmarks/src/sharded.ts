/**
 * `pnpm bench sharded`: tensors past the binding limit on WebGPU at the device's own limit
 * (`maxStorageBufferBindingSize`, 128 MiB on lavapipe). The LM head and embedding of Chinese-LLaMA-2
 * (vocabulary 55,296 × hidden 4,096; 453 MB in f16, 906 MB in f32) are uploaded once as row shards by the
 * engine; then, for T tokens, the sharded LM head `x·Wᵀ` and embedding lookup are timed against the
 * same work split by hand (one plain tensor per shard, a matmul each, logits joined: what a caller had
 * to write before; for the lookup, one gather in a single shard-sized table), measured in the same run, first call excluded, median of `--reps`.
 *
 *   pnpm bench sharded [--vocab 55296] [--hidden 4096] [--tokens 8] [--dtype f16|f32] [--reps 5]
 */
import { parseArgs } from 'node:util';
import { concat, gather, logSoftmax, matmul, tensor, tidy, type Backend, type Tensor } from '@crossedit/core';
import { createWebGpuBackend } from '@crossedit/webgpu';
import { choiceFlag, numberFlag } from './args.js';

/** Median wall time (ms) of `f` (which returns a tensor to read back), after one warm-up call. */
async function time(f: () => Tensor, reps: number): Promise<number> {
  const once = async () => {
    const t0 = performance.now();
    const y = tidy(f);
    await y.data();
    y.dispose();
    return performance.now() - t0;
  };
  await once();
  const ms: number[] = [];
  for (let i = 0; i < reps; i++) ms.push(await once());
  return ms.sort((a, b) => a - b)[Math.floor(ms.length / 2)];
}

/** Random half-precision bits of N(0, 0.02²)-ish values (uniform mantissa, small exponents). */
function f16Bits(n: number, seed: number): Uint16Array {
  const out = new Uint16Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    // sign, exponent 2^-9..2^-6, random mantissa
    out[i] = (s & 0x8000) | ((6 + ((s >>> 16) & 3)) << 10) | ((s >>> 4) & 0x3ff);
  }
  return out;
}

/**
 * Parses `[--vocab 55296] [--hidden 4096] [--tokens 8] [--dtype f16|f32] [--reps 5]`.
 * @throws Error naming the flag for an unknown flag, a missing value, a size or count that is not an integer >= 1, or a `--dtype` other than f16 and f32.
 */
export function parseShardedArgs(argv: readonly string[]): { vocab: number; hidden: number; tokens: number; dtype: 'f16' | 'f32'; reps: number } {
  const s = { type: 'string' } as const;
  const { values } = parseArgs({ args: [...argv], strict: true, options: { vocab: s, hidden: s, tokens: s, dtype: s, reps: s } });
  const positive = { integer: true, min: 1 };
  return {
    vocab: numberFlag(values, 'vocab', positive, 55296),
    hidden: numberFlag(values, 'hidden', positive, 4096),
    tokens: numberFlag(values, 'tokens', positive, 8),
    dtype: choiceFlag(values, 'dtype', ['f16', 'f32'], 'f16'),
    reps: numberFlag(values, 'reps', positive, 5),
  };
}

/** Entry point (see the file comment and {@link parseShardedArgs}). */
export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  const { vocab: V, hidden: D, tokens: T, dtype, reps } = parseShardedArgs(argv);
  const be = await createWebGpuBackend();
  console.log(`adapter: ${be.adapter.description ?? be.adapter.vendor ?? 'webgpu'}; maxBindingBytes ${be.maxBindingBytes} (${(be.maxBindingBytes / 2 ** 20).toFixed(0)} MiB)`);
  const bits = f16Bits(V * D, 7);
  const host = dtype === 'f16' ? bits : Float32Array.from({ length: V * D }, (_, i) => ((bits[i] & 0x3ff) / 1024 - 0.5) * 0.04);
  let t0 = performance.now();
  const w = tensor(host, [V, D], { backend: be, dtype });
  await be.sync();
  const uploadMs = performance.now() - t0;
  console.log(`W ${dtype}[${V},${D}] = ${((V * D * (dtype === 'f16' ? 2 : 4)) / 1e6).toFixed(0)} MB: ${w.shards} shards, upload ${uploadMs.toFixed(0)} ms`);
  // the same shards as plain tensors (the hand-split baseline)
  const per = Math.ceil(V / w.shards);
  const parts: Tensor[] = [];
  for (let r = 0; r < V; r += per) parts.push(tensor(host.subarray(r * D, Math.min(V, r + per) * D), [Math.min(per, V - r), D], { backend: be, dtype }));
  const x = tensor(Float32Array.from({ length: T * D }, (_, i) => Math.sin(i * 0.37)), [T, D], { backend: be });
  const ids = tensor(Int32Array.from({ length: T }, (_, i) => (i * 7919) % V), [T], { backend: be, dtype: 'i32' });
  const rows: [string, number, number][] = [];
  rows.push(['LM head x·Wᵀ', await time(() => matmul(x, w, { transB: true }), reps), await time(() => concat(parts.map((p) => matmul(x, p, { transB: true })), 1), reps)]);
  rows.push(['LM head + log-softmax', await time(() => logSoftmax(matmul(x, w, { transB: true })), reps), await time(() => logSoftmax(concat(parts.map((p) => matmul(x, p, { transB: true })), 1)), reps)]);
  const local = tensor(Int32Array.from({ length: T }, (_, i) => (i * 7919) % parts[0].shape[0]), [T], { backend: be, dtype: 'i32' });
  // baseline: the same lookup in one unsharded table of a shard's size
  rows.push(['embedding gather', await time(() => gather(w, ids), reps), await time(() => gather(parts[0], local), reps)]);
  console.log(`\n${T} tokens, median of ${reps} (ms, first call excluded, read-back included)\n`);
  console.log('| op | engine-sharded ms | hand-split / one-shard ms | ratio |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const [name, a, b] of rows) console.log(`| ${name} | ${a.toFixed(1)} | ${b.toFixed(1)} | ${(a / b).toFixed(2)} |`);
  [w, x, ids, local, ...parts].forEach((t) => t.dispose());
  (be as Backend).dispose();
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop() ?? '')) void main();
