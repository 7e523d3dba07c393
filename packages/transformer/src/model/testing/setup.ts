/** Shared fixtures of the model tests: a tiny config, random models, host copies, comparisons. */
import { expect } from 'vitest';
import { setBackend, type Backend, type ModelConfig, type Tensor } from '@crossedit/core';
import { createCpuBackend } from '@crossedit/cpu';
import { LlamaModel } from '../llama.js';
import { randomWeights } from '../weights.js';
import type { HostWeights } from './naive.js';

/** 2 layers, hidden 16, 4 heads, 2 kv heads, vocab 50. */
export const TINY: ModelConfig = {
  vocabSize: 50,
  hiddenSize: 16,
  intermediateSize: 24,
  numLayers: 2,
  numHeads: 4,
  numKvHeads: 2,
  rmsNormEps: 1e-5,
  ropeBase: 10000,
  maxPositions: 64,
};

let cpu: Backend | null = null;

/** The shared CPU backend, also set as the default backend. */
export function cpuBackend(): Backend {
  if (!cpu) cpu = createCpuBackend();
  setBackend(cpu);
  return cpu;
}

/** A random tiny model on the CPU backend. */
export function tinyModel(cfg: ModelConfig = TINY, seed = 1, scale = 1): LlamaModel {
  const backend = cpuBackend();
  return new LlamaModel(cfg, randomWeights(cfg, { seed, backend, scale }));
}

/** Host float64 copies of a model's weights. */
export async function hostWeights(model: LlamaModel): Promise<HostWeights> {
  const out: HostWeights = new Map();
  for (const [n, t] of model.weights()) out.set(n, Float64Array.from(await t.data()));
  return out;
}

/** `[B][S][F]` values of a tensor. */
export async function nested3(t: Tensor): Promise<number[][][]> {
  const [b, s, f] = t.shape;
  const d = await t.data();
  return Array.from({ length: b }, (_, i) => Array.from({ length: s }, (_, j) => Array.from(d.subarray((i * s + j) * f, (i * s + j + 1) * f))));
}

/** Asserts `|a - e| <= atol + rtol |e|` elementwise. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol = 1e-9, atol = 1e-9, what = ''): void {
  expect(actual.length, `${what} length`).toBe(expected.length);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i] - expected[i]) - (atol + rtol * Math.abs(expected[i]));
    if (!(err <= worst)) {
      worst = Number.isNaN(err) ? Infinity : err;
      at = i;
    }
  }
  if (at >= 0) expect.fail(`${what} element ${at}: got ${actual[at]}, expected ${expected[at]} (rtol ${rtol}, atol ${atol})`);
}

/** The `[F]` vectors of a `[B][S][F]` array at real positions (mask = 1), concatenated. */
export function atReal(x: number[][][], mask: number[][]): number[] {
  const out: number[] = [];
  x.forEach((r, b) => r.forEach((v, s) => (mask[b][s] ? out.push(...v) : undefined)));
  return out;
}

let gpu: Promise<Backend | null> | null = null;

/** The WebGPU backend when an adapter exists, else null (created once per test process). */
export function maybeWebGpu(): Promise<Backend | null> {
  gpu ??= (async () => {
    try {
      const { createWebGpuBackend } = await import('@crossedit/webgpu');
      return await createWebGpuBackend();
    } catch {
      return null;
    }
  })();
  return gpu;
}
