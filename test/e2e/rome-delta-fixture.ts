/**
 * The stories260K ROME edit that `rome-delta.test.ts` compares with a float64 PyTorch ROME: the fact,
 * templates and settings of `pnpm bench methods` (two fixed templates, 25 v* steps, early stop off), once
 * with u = k̄/‖k̄‖ (case `plain`, the reference's llama default) and once with the covariance adjustment
 * u = C⁻¹k̄/‖C⁻¹k̄‖ (case `mom2`), C built by `buildSecondMoments` over `__fixtures__/stories-corpus.txt`.
 * Run as a script it writes the golden fixture (needs /usr/bin/python3 with torch):
 *
 *   node --conditions=@crossedit/source --import tsx test/e2e/rome-delta-fixture.ts
 *
 * It writes the problem (the model's weights as the project holds them, the project's token rows for the
 * edit and the corpus) to a temporary folder and runs `benchmarks/torch/rome_golden.py`, which computes C
 * itself from the same corpus rows (it is not handed the project's C) and runs ROME in float64.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseHparams, Rng, setBackend, type Backend, type EditContext, type LanguageModel, type StatsProvider, type Tokenizer } from '@crossedit/core';
import { createCpuBackend } from '@crossedit/cpu';
import llama from '@crossedit/backbone-llama';
import rome, { romeStep, type RomeHparams } from '@crossedit/method-rome';
import { buildSecondMoments, openStats, readCorpus, secondMomentFactor } from '@crossedit/stats';
import { weightsHash } from '@crossedit/transformer';
import { STORY_REQUEST, STORY_STEPS, STORY_TEMPLATES, romeStoryProblem, writeStoryWeights } from '../../benchmarks/src/stories/problem.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');

/** The golden fixture. */
export const GOLDEN = path.join(here, '__fixtures__', 'rome-stories260k-golden.json');

/** The corpus of the `mom2` case's second moment (48 TinyStories-style lines). */
export const STORY_CORPUS = path.join(here, '__fixtures__', 'stories-corpus.txt');

/** The stories260K GGUF in the shared folder. */
export const STORIES_GGUF = path.join(process.env.CROSSEDIT_SHARED ?? path.resolve(repo, '../shared'), 'models/stories260k/stories260K.gguf');

/** The two cases of the golden. */
export type StoryCase = 'plain' | 'mom2';

/** Tokens per forward batch of the statistics pass (each corpus line fits whole). */
const BATCH_TOKENS = 4096;

/** One ROME edit's intermediates as host vectors, and ΔW = right ⊗ u. */
export interface StoryEdit {
  kMean: Float64Array;
  u: Float64Array;
  v0: Float64Array;
  vStar: Float64Array;
  kStar: Float64Array;
  right: Float64Array;
  losses: number[];
  delta: Float64Array;
  shape: number[];
  /** The ridge the covariance factor needed (`mom2` only; 0 when C was positive definite as built). */
  jitter?: number;
}

function storyHparams(info: { id: string; config: LanguageModel['config'] }, c: StoryCase): RomeHparams {
  return parseHparams(rome.id, rome.hparams, rome.presets?.(info), { vNumGradSteps: STORY_STEPS, earlyStopLoss: 0, mom2Adjustment: c === 'mom2' });
}

/** The second moment of `layer` over {@link STORY_CORPUS}, built in `dir` by the project's statistics pass. */
async function corpusStats(model: LanguageModel, tokenizer: Tokenizer, layer: number, dir: string, backend: Backend): Promise<StatsProvider> {
  const hash = await weightsHash(model);
  const r = await buildSecondMoments({ model, tokenizer, layers: [layer], corpus: STORY_CORPUS, sampleCount: 1000, batchTokens: BATCH_TOKENS, outDir: dir, dtype: 'f64', weightsHash: hash });
  if (!r.complete) throw new Error('rome-delta-fixture: the statistics pass did not complete');
  return openStats({ dir, weightsHash: hash, dtype: 'f64', backend, cacheFactors: false });
}

/** Runs the benchmark's ROME edit of each case on `backend` (on one loaded model) and returns the intermediates. */
export async function romeStoryEdits(backend: Backend): Promise<Record<StoryCase, StoryEdit>> {
  setBackend(backend);
  const model = await llama.loadModel({ modelDir: STORIES_GGUF }, { backend });
  const statsDir = mkdtempSync(path.join(tmpdir(), 'crossedit-rome-golden-'));
  try {
    const tokenizer = await llama.createTokenizer({ modelDir: STORIES_GGUF });
    const info = { id: llama.id, config: model.config };
    const out: Partial<Record<StoryCase, StoryEdit>> = {};
    for (const c of ['plain', 'mom2'] as const) {
      const hp = storyHparams(info, c);
      const stats = c === 'mom2' ? await corpusStats(model, tokenizer, hp.layers[0], statsDir, backend) : undefined;
      const ctx: EditContext = { model, tokenizer, backbone: info, backend, rng: new Rng(0), stats, log: { info() {}, warn() {} } };
      const step = await romeStep(ctx, STORY_REQUEST, hp.layers[0], STORY_TEMPLATES, hp);
      const delta = Float64Array.from(await step.delta.delta.data());
      const shape = [...step.delta.delta.shape];
      step.delta.delta.dispose();
      const jitter = stats ? (await secondMomentFactor(stats, hp.layers[0])).jitter : undefined;
      const v = step.v;
      out[c] = { kMean: step.kMean, u: step.u, v0: v.v0, vStar: v.target, kStar: step.kStar, right: step.right, losses: v.losses, delta, shape, jitter };
    }
    return out as Record<StoryCase, StoryEdit>;
  } finally {
    model.dispose();
    rmSync(statsDir, { recursive: true, force: true });
  }
}

/** Writes the PyTorch problem (weights, the edit's rows, the corpus rows) into `dir`; returns its path. */
async function writeGoldenProblem(dir: string): Promise<string> {
  const backend = createCpuBackend();
  setBackend(backend);
  const model = await llama.loadModel({ modelDir: STORIES_GGUF }, { backend });
  try {
    const tok = await llama.createTokenizer({ modelDir: STORIES_GGUF });
    const info = { id: llama.id, config: model.config };
    const hp = storyHparams(info, 'plain');
    const delta = { numSteps: hp.vNumGradSteps, lr: hp.vLr, weightDecay: hp.vWeightDecay, klFactor: hp.klFactor, clampNormFactor: hp.clampNormFactor, earlyStopLoss: hp.earlyStopLoss, klPrompt: hp.klPrompt };
    // the statistics pass's rule: BOS added, truncated to min(maxPositions, batchTokens)
    const maxTokens = Math.min(model.config.maxPositions, BATCH_TOKENS);
    const corpusRows: number[][] = [];
    for await (const text of readCorpus(STORY_CORPUS)) corpusRows.push(tok.encode(text, { addBos: true }).ids.slice(0, maxTokens));
    const problem = {
      ...(await writeStoryWeights(dir, model)),
      request: STORY_REQUEST,
      templates: STORY_TEMPLATES,
      rome: romeStoryProblem(tok, hp.layers[0], delta),
      cases: [{ name: 'plain' }, { name: 'mom2', corpusRows }],
    };
    const file = path.join(dir, 'problem.json');
    writeFileSync(file, JSON.stringify(problem));
    return file;
  } finally {
    model.dispose();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const dir = mkdtempSync(path.join(tmpdir(), 'crossedit-rome-golden-'));
  try {
    const problem = await writeGoldenProblem(dir);
    const commit = execFileSync('git', ['describe', '--always', '--dirty', '--abbrev=40'], { cwd: repo, encoding: 'utf8' }).trim();
    const command = 'node --conditions=@crossedit/source --import tsx test/e2e/rome-delta-fixture.ts';
    execFileSync('nice', ['-n', '10', '/usr/bin/python3', path.join(repo, 'benchmarks/torch/rome_golden.py'), problem, GOLDEN, '--commit', commit, '--command', command], {
      stdio: 'inherit',
      env: { ...process.env, OMP_NUM_THREADS: '1' },
    });
    console.log(`wrote ${GOLDEN}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
