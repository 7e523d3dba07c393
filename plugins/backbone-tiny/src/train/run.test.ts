import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { max, abs, sub, tensor, tidy } from '@crossedit/core';
import { createCpuBackend } from '@crossedit/cpu';
import { LlamaModel } from '@crossedit/transformer';
import { tiny } from '../backbone.js';
import { sharedOrNull } from '../testing/shared.js';
import { latestCheckpoint, loadCheckpoint } from './checkpoint.js';
import { withOverrides } from './config.js';
import { PLAIN } from '../testing/config.js';
import { trainableRefs } from './params.js';
import { EXPORT_FILES, train } from './run.js';

const shared = sharedOrNull();
const cfg = withOverrides(PLAIN, {
  model: { hiddenSize: 32, intermediateSize: 88, numLayers: 2, numHeads: 2, numKvHeads: 2 },
  facts: 8,
  extraLines: 4,
  steps: 4,
  batchSize: 4,
  evalEvery: 2,
  checkpointEvery: 2,
  heldOutFacts: 4,
  warmupSteps: 2,
});

describe.skipIf(!shared)('train', () => {
  const quiet = { progress: false, log: () => undefined };

  it('resumes from a checkpoint onto the same loss curve, writes curves and an export the plugin loads', async () => {
    const be = createCpuBackend();
    const dirA = mkdtempSync(path.join(tmpdir(), 'tiny-run-a-'));
    const dirB = mkdtempSync(path.join(tmpdir(), 'tiny-run-b-'));
    const a = await train({ runDir: dirA, backend: be, config: cfg, ...quiet });
    expect(a.finished).toBe(true);
    const first = await train({ runDir: dirB, backend: be, config: cfg, stopAfter: 2, ...quiet });
    expect(first.finished).toBe(false);
    const b = await train({ runDir: dirB, backend: be, config: cfg, ...quiet });
    expect(b.finished).toBe(true);

    expect(a.state.steps.map((s) => s.loss)).toHaveLength(4);
    expect(a.state.steps[0].loss).toBeGreaterThan(Math.log(cfg.model.vocabSize) - 0.5);
    b.state.steps.forEach((s, i) => expect(s.loss).toBeCloseTo(a.state.steps[i].loss, 5));
    b.state.evals.forEach((e, i) => expect(e.heldOutLoss).toBeCloseTo(a.state.evals[i].heldOutLoss, 4));

    const csv = readFileSync(path.join(dirA, 'losses.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('step,lr,loss,grad_norm,tokens,seconds');
    expect(csv).toHaveLength(5);
    expect(readFileSync(path.join(dirB, 'losses.csv'), 'utf8').trim().split('\n')).toHaveLength(5);
    expect(readFileSync(path.join(dirA, 'evals.csv'), 'utf8').trim().split('\n')).toHaveLength(3);
    for (const f of EXPORT_FILES) expect(existsSync(path.join(a.finalDir!, f))).toBe(true);

    // the f16 export, loaded by the plugin, computes what the f32 checkpoint computes (within f16 rounding)
    const refs = trainableRefs(cfg.model);
    const ck = await loadCheckpoint(latestCheckpoint(path.join(dirA, 'checkpoints'))!, refs, be);
    const ref = new LlamaModel(cfg.model, ck.weights);
    const shipped = await tiny.loadModel({ modelDir: a.finalDir! }, { backend: be });
    expect(shipped.config).toEqual(cfg.model);
    const diff = tidy(() => {
      const ids = tensor([1, 50, 400, 2000, 7, 1, 3000, 12, 99, 5], [2, 5], { dtype: 'i32', backend: be });
      return max(abs(sub(ref.forward(ids).logits!, shipped.forward(ids).logits!)));
    });
    expect(await diff.item()).toBeLessThan(0.02);
    diff.dispose();
    ref.dispose();
    shipped.dispose();
  });

  it('stops cleanly when aborted or at stopAfter between checkpoints: the steps done are checkpointed, none is lost', async () => {
    const be = createCpuBackend();
    const sparse = withOverrides(cfg, { checkpointEvery: 100 });
    const whole = await train({ runDir: mkdtempSync(path.join(tmpdir(), 'tiny-run-whole-')), backend: be, config: sparse, ...quiet });
    const dir = mkdtempSync(path.join(tmpdir(), 'tiny-run-stop-'));
    const ckpts = path.join(dir, 'checkpoints');
    // the evaluation at step 2 (evalEvery 2) logs a line; abort there, as a SIGINT would
    const ac = new AbortController();
    const log = (l: string): void => {
      if (l.startsWith('step 2:')) ac.abort();
    };
    const first = await train({ runDir: dir, backend: be, config: sparse, progress: false, log, signal: ac.signal });
    expect(first).toMatchObject({ finished: false, interrupted: true, state: { step: 2 } });
    expect(latestCheckpoint(ckpts)).toMatch(/step-000002$/);
    const second = await train({ runDir: dir, backend: be, config: sparse, stopAfter: 1, ...quiet });
    expect(second).toMatchObject({ finished: false, interrupted: false, state: { step: 3 } });
    expect(latestCheckpoint(ckpts)).toMatch(/step-000003$/);
    const last = await train({ runDir: dir, backend: be, config: sparse, ...quiet });
    expect(last.finished).toBe(true);
    expect(last.state.steps).toHaveLength(4);
    // checkpoints hold f32, so a resumed float64 run agrees to f32 rounding
    last.state.steps.forEach((s, i) => expect(s.loss).toBeCloseTo(whole.state.steps[i].loss, 6));
    be.dispose();
  });

  it('refuses to resume a run folder with another config', async () => {
    const be = createCpuBackend();
    const dir = mkdtempSync(path.join(tmpdir(), 'tiny-run-c-'));
    await train({ runDir: dir, backend: be, config: cfg, stopAfter: 2, ...quiet });
    await expect(train({ runDir: dir, backend: be, config: { ...cfg, lr: 0.5 }, ...quiet })).rejects.toThrow(/another config/);
  });
});
