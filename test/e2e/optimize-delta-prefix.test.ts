/**
 * `optimizeDelta` on the rows' tails over a prefix cache (the default) against the whole rows
 * (`prefixCache: false`) on stories260K: ROME's v* (δ on an MLP output) and MEMIT's z (δ on a layer's
 * output), over context templates of different lengths, so the rows are cut at different positions and
 * padded differently. δ, v0 and the loss of every step agree to float64 rounding on the CPU backend and
 * to f32 accumulation error on cpu-f32; the cut is real (the tails are shorter than the rows).
 */
import { describe, expect, it } from 'vitest';
import { setBackend, type Backend, type ModuleRef } from '@crossedit/core';
import { createCpuBackend, createCpuF32Backend } from '@crossedit/cpu';
import llama from '@crossedit/backbone-llama';
import { contextRow, optimizeDelta, promptTemplate, rewriteRow, targetIds, type DeltaResult } from '@crossedit/method-rome';
import { STORY_REQUEST } from '../../benchmarks/src/stories/problem.js';
import { relMaxErr } from '@crossedit/testing/fixtures';
import { STORIES_GGUF } from './rome-delta-fixture.js';

const TEMPLATES = ['{}', 'Once upon a time there was a girl. {}', 'The sun was hot. {}', 'One day, a little dog ran to the park and saw a big red ball. {}'];
const HP = { numSteps: 6, lr: 0.1, weightDecay: 1e-3, klFactor: 0.0625, clampNormFactor: 4, earlyStopLoss: 0 };

const BACKENDS: [string, () => Backend, number][] = [
  ['cpu', createCpuBackend, 1e-12],
  ['cpu-f32', createCpuF32Backend, 1e-4],
];

describe('optimizeDelta with the prefix cache equals the whole-row passes (stories260K)', () => {
  for (const [name, make, tol] of BACKENDS) {
    it(`on ${name}: ROME v* and MEMIT z`, async () => {
      const backend = make();
      setBackend(backend);
      const model = await llama.loadModel({ modelDir: STORIES_GGUF }, { backend });
      try {
        const tok = await llama.createTokenizer({ modelDir: STORIES_GGUF });
        const req = STORY_REQUEST;
        const tpl = promptTemplate(req);
        const target = targetIds(tok, req.prompt, req.target, false);
        const rows = TEMPLATES.map((t) => rewriteRow(tok, t, tpl, req.subject, target));
        const kl = contextRow(tok, '{}', '{} is a', req.subject);
        // the rows are cut at different positions, and every tail is shorter than its row
        const lookups = [...rows, kl].map((r) => r.lookup);
        expect(new Set(lookups).size).toBeGreaterThan(2);
        expect(Math.min(...lookups)).toBeGreaterThan(0);
        expect(model.supportsPrefix).toBe(true);
        const refs: ModuleRef[] = [
          { kind: 'mlp', layer: 2 },
          { kind: 'layer', layer: 1 },
        ];
        for (const ref of refs) {
          const run = (prefixCache: boolean): Promise<DeltaResult> => optimizeDelta(model, tok, rows, kl, ref, HP, { prefixCache });
          const whole = await run(false);
          const cached = await run(true);
          const what = `${ref.kind} ${'layer' in ref ? ref.layer : ''}`;
          expect(whole.steps, what).toBe(HP.numSteps - 1);
          expect(Math.max(...whole.delta.map(Math.abs)), `${what}: δ moved`).toBeGreaterThan(1e-2);
          expect(whole.losses[whole.losses.length - 1], `${what}: the loss fell`).toBeLessThan(whole.losses[0]);
          expect(cached.steps, what).toBe(whole.steps);
          expect(relMaxErr(cached.v0, whole.v0), `${what}: v0`).toBeLessThanOrEqual(tol);
          expect(relMaxErr(cached.delta, whole.delta), `${what}: δ`).toBeLessThanOrEqual(tol);
          expect(relMaxErr(cached.losses, whole.losses), `${what}: losses`).toBeLessThanOrEqual(tol);
          expect(Math.abs(cached.klFinal - whole.klFinal), `${what}: KL`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(whole.klFinal)));
        }
      } finally {
        model.dispose();
      }
    });
  }
});
