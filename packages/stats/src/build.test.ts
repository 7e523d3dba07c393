import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tensor, tidy, untrack, type Tensor } from '@crossedit/core';
import { weightsHash as transformerHash } from '@crossedit/transformer';
import { buildSecondMoments, type StatsProgress } from './build.js';
import { MissingStatsError } from './command.js';
import { choleskyWithJitter, secondMomentFactor, solveWithFactor } from './factor.js';
import { openStats } from './provider.js';
import { readSafetensors } from './safetensors.js';
import { sentences, tempDir, tinySetup, writeCorpus } from './testing/index.js';
import { weightsHash } from '@crossedit/transformer';

const LAYERS = [1, 2];

/** Σ k kᵀ / N of the mlp.down input, one unpadded sample at a time, in float64 on the host. */
async function directMoments(setup: ReturnType<typeof tinySetup>, lines: readonly string[], maxTokens: number): Promise<{ c: Float64Array[]; tokens: number }> {
  const { model, tokenizer } = setup;
  const m = model.config.intermediateSize;
  const sums = LAYERS.map(() => new Float64Array(m * m));
  let tokens = 0;
  for (const line of lines) {
    const ids = tokenizer.encode(line, { addBos: true }).ids.slice(0, maxTokens);
    tokens += ids.length;
    const got: Tensor[] = [];
    tidy(() => {
      model.forward(tensor(Int32Array.from(ids), [1, ids.length], { dtype: 'i32' }), {
        hooks: LAYERS.map((layer, i) => ({ ref: { kind: 'mlp.down' as const, layer }, io: 'input' as const, fn: (x: Tensor) => void (got[i] = untrack(x)) })),
      });
    });
    for (let i = 0; i < LAYERS.length; i++) {
      const k = await got[i].data();
      got[i].dispose();
      for (let t = 0; t < ids.length; t++) for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) sums[i][a * m + b] += k[t * m + a] * k[t * m + b];
    }
  }
  return { c: sums.map((s) => s.map((v) => v / tokens)), tokens };
}

describe('buildSecondMoments', () => {
  it('stores C = E[k kᵀ] over every non-padding token, equal to a direct float64 computation', async () => {
    const setup = tinySetup({ seed: 2 });
    const dir = await tempDir('stats-');
    const lines = sentences(30, 3);
    const corpus = await writeCorpus(dir, lines, 'jsonl');
    const seen: StatsProgress[] = [];
    const r = await buildSecondMoments({
      model: setup.model,
      tokenizer: setup.tokenizer,
      layers: LAYERS,
      corpus,
      sampleCount: 25,
      batchTokens: 48,
      windowSamples: 8,
      outDir: join(dir, 'stats'),
      lang: 'en',
      onProgress: (p) => seen.push(p),
    });
    expect(r.complete).toBe(true);
    expect(r.samples).toBe(25);
    expect(seen.map((p) => p.samples)).toEqual([8, 16, 24, 25]);
    expect(r.tokensPerSecond).toBeGreaterThan(0);
    const direct = await directMoments(setup, lines.slice(0, 25), 48);
    expect(r.tokens).toBe(direct.tokens);
    const m = setup.model.config.intermediateSize;
    for (let i = 0; i < LAYERS.length; i++) {
      const a = r.artifacts[i];
      expect(a.layer).toBe(LAYERS[i]);
      expect(a.lang).toBe('en');
      expect(a.tokens).toBe(direct.tokens);
      expect(a.weightsHash).toBe(await weightsHash(setup.model));
      const { tensors } = await readSafetensors(a.path);
      expect(tensors.mom2.shape).toEqual([m, m]);
      let worst = 0;
      let scale = 0;
      for (let j = 0; j < m * m; j++) {
        worst = Math.max(worst, Math.abs(tensors.mom2.data[j] - direct.c[i][j]));
        scale = Math.max(scale, Math.abs(direct.c[i][j]));
      }
      expect(worst / scale).toBeLessThan(1e-6); // float32 storage
    }
    // a second call finds the artifacts instead of recomputing
    const again = await buildSecondMoments({ model: setup.model, tokenizer: setup.tokenizer, layers: LAYERS, corpus, sampleCount: 25, batchTokens: 48, outDir: join(dir, 'stats') });
    expect(again.skipped).toBe(true);
    expect(again.artifacts.map((a) => a.path)).toEqual(r.artifacts.map((a) => a.path));
  });

  it('resumes after an interruption to exactly the matrix of an uninterrupted run', async () => {
    const setup = tinySetup({ seed: 6 });
    const dir = await tempDir('stats-');
    const corpus = await writeCorpus(dir, sentences(40, 9));
    const base = { model: setup.model, tokenizer: setup.tokenizer, layers: LAYERS, corpus, sampleCount: 30, batchTokens: 40, windowSamples: 6 };
    const full = await buildSecondMoments({ ...base, outDir: join(dir, 'a') });
    const ac = new AbortController();
    const part = await buildSecondMoments({ ...base, outDir: join(dir, 'b'), signal: ac.signal, onProgress: (p) => p.samples >= 12 && ac.abort() });
    expect(part.complete).toBe(false);
    expect(part.samples).toBe(12);
    expect(await readdir(join(dir, 'b'))).toEqual([expect.stringMatching(/^partial-.*\.safetensors$/)]);
    const seen: StatsProgress[] = [];
    const rest = await buildSecondMoments({ ...base, outDir: join(dir, 'b'), onProgress: (p) => seen.push(p) });
    expect(rest.resumed).toBe(true);
    expect(seen[0].resumedFrom).toBe(12);
    expect(rest.tokens).toBe(full.tokens);
    expect((await readdir(join(dir, 'b'))).filter((n) => n.startsWith('partial-'))).toEqual([]);
    for (let i = 0; i < LAYERS.length; i++) {
      const a = await readSafetensors(full.artifacts[i].path);
      const b = await readSafetensors(rest.artifacts[i].path);
      expect(Buffer.from(b.tensors.mom2.data.buffer).equals(Buffer.from(a.tensors.mom2.data.buffer))).toBe(true);
      expect(rest.artifacts[i].path.split('/').pop()).toBe(full.artifacts[i].path.split('/').pop()); // same content address
    }
  });

  it('is read back by the provider; a missing layer prints the command that builds it', async () => {
    const setup = tinySetup({ seed: 2 });
    const dir = await tempDir('stats-');
    const corpus = await writeCorpus(dir, sentences(60, 4));
    const outDir = join(dir, 'stats');
    await buildSecondMoments({ model: setup.model, tokenizer: setup.tokenizer, layers: [1], corpus, sampleCount: 60, outDir });
    const hash = await weightsHash(setup.model);
    expect(hash).toBe(await transformerHash(setup.model));
    const stats = openStats({ dir: outDir, weightsHash: hash, command: { backbone: 'tiny', modelDir: '/models/tiny', corpus: 'wiki.txt', samples: 60 } });
    const c = await stats.secondMoment(1);
    expect(c.shape).toEqual([48, 48]);
    c.dispose();
    const err = await stats.secondMoment(2).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MissingStatsError);
    expect((err as MissingStatsError).command).toBe(`crossedit stats --backbone tiny --model-dir /models/tiny --layers 2 --corpus wiki.txt --samples 60 --out ${outDir}`);
    expect((err as Error).message).toMatch(/no second-moment statistics for layer 2.*\nBuild it with:\n  crossedit stats/s);
    // other weights: nothing matches
    await expect(openStats({ dir: outDir, weightsHash: 'f'.repeat(64) }).secondMoment(1)).rejects.toThrow(/--backbone <BACKBONE>/);
    // the factor is cached per provider and stored beside the artifact
    const f1 = await secondMomentFactor(stats, 1);
    expect(await secondMomentFactor(stats, 1)).toBe(f1);
    expect(f1.jitter).toBe(0);
    expect((await readdir(outDir)).some((n) => n.endsWith('.chol.safetensors'))).toBe(true);
    const again = await secondMomentFactor(openStats({ dir: outDir, weightsHash: hash }), 1);
    expect(Array.from(again.l)).toEqual(Array.from(f1.l));
  });
});

describe('choleskyWithJitter', () => {
  it('factors SPD matrices exactly and adds a ridge to singular ones', () => {
    const n = 5;
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = 1 / (1 + Math.abs(i - j)) + (i === j ? 1 : 0);
    const f = choleskyWithJitter(a, n);
    expect(f.jitter).toBe(0);
    const b = Float64Array.from([1, 2, 3, 4, 5]);
    const x = solveWithFactor(f, b, 1);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += a[i * n + j] * x[j];
      expect(s).toBeCloseTo(b[i], 12);
    }
    const v = [1, -2, 0.5, 3, 1];
    const rank1 = new Float64Array(n * n).map((_, k) => v[Math.floor(k / n)] * v[k % n]);
    const g = choleskyWithJitter(rank1, n);
    expect(g.jitter).toBeGreaterThan(0);
    expect(g.jitter).toBeLessThan(1e-3);
  });
});
