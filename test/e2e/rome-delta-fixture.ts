/**
 * The stories260K ROME edit whose ΔW `rome-delta.test.ts` pins: the fact, templates and settings of
 * `pnpm bench methods` (two fixed templates, 25 v* steps, early stop off) on a given backend. Run as a
 * script it writes the fixture from the float64 CPU backend:
 *
 *   node --conditions=@crossedit/source --import tsx test/e2e/rome-delta-fixture.ts
 *
 * (the committed fixture was made before the f32 backend, the fused kernels and the head-at-positions
 * forward existed, so the test shows that they left ΔW unchanged).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseHparams, Rng, setBackend, type Backend, type EditContext } from '@crossedit/core';
import { createCpuBackend } from '@crossedit/cpu';
import llama from '@crossedit/backbone-llama';
import rome, { romeStep } from '@crossedit/method-rome';
import { STORY_REQUEST, STORY_STEPS, STORY_TEMPLATES } from '../../benchmarks/src/stories/problem.js';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Where the fixture lives. */
export const FIXTURE = path.join(here, '__fixtures__', 'rome-stories260k-delta.json');

/** The stories260K GGUF in the shared folder. */
export const STORIES_GGUF = path.join(process.env.CROSSEDIT_SHARED ?? path.resolve(here, '../../../shared'), 'models/stories260k/stories260K.gguf');

/** The factors of ΔW = right ⊗ u of the benchmark's ROME edit on `backend`, and ΔW itself. */
export async function romeStoryDelta(backend: Backend): Promise<{ u: number[]; right: number[]; delta: Float64Array; shape: number[] }> {
  setBackend(backend);
  const model = await llama.loadModel({ modelDir: STORIES_GGUF }, { backend });
  try {
    const tokenizer = await llama.createTokenizer({ modelDir: STORIES_GGUF });
    const info = { id: llama.id, config: model.config };
    const hp = parseHparams(rome.id, rome.hparams, rome.presets?.(info), { vNumGradSteps: STORY_STEPS, earlyStopLoss: 0 });
    const ctx: EditContext = { model, tokenizer, backbone: info, backend, rng: new Rng(0), log: { info() {}, warn() {} } };
    const step = await romeStep(ctx, STORY_REQUEST, hp.layers[0], STORY_TEMPLATES, hp);
    const delta = Float64Array.from(await step.delta.delta.data());
    const shape = [...step.delta.delta.shape];
    step.delta.delta.dispose();
    return { u: Array.from(step.u), right: Array.from(step.right), delta, shape };
  } finally {
    model.dispose();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const r = await romeStoryDelta(createCpuBackend());
  writeFileSync(FIXTURE, JSON.stringify({ made: 'test/e2e/rome-delta-fixture.ts on the float64 CPU backend', request: STORY_REQUEST, templates: STORY_TEMPLATES, steps: STORY_STEPS, shape: r.shape, u: r.u, right: r.right }, null, 1) + '\n');
  console.log(`wrote ${FIXTURE}`);
}
