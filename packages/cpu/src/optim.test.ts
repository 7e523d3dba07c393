/** Adam, AdamW and gradient clipping against PyTorch golden values (scripts/make_optim_fixture.py). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Adam, allFinite, clipGradNorm, setBackend, tensor, type AdamOptions } from '@crossedit/core';
import { createCpuBackend } from './backend.js';

const golden = JSON.parse(readFileSync(new URL('./__fixtures__/optim.json', import.meta.url), 'utf8')) as {
  p0: number[];
  grads: number[][];
  cases: { name: string; steps: number[][] }[];
  clip: { maxNorm: number; norm: number; grads: number[][] }[];
};

const settings: Record<string, AdamOptions> = {
  adam: { lr: 0.1 },
  adam_wd: { lr: 0.05, betas: [0.8, 0.99], eps: 1e-6, weightDecay: 0.1 },
  adamw: { lr: 0.05, weightDecay: 0.1, decoupled: true },
};

setBackend(createCpuBackend());

describe('optimizers match PyTorch', () => {
  it.each(golden.cases.map((c) => [c.name, c] as const))('%s: four steps', async (name, c) => {
    const opt = new Adam(settings[name]);
    let p = tensor(golden.p0);
    for (let i = 0; i < golden.grads.length; i++) {
      const [next] = opt.step([p], [tensor(golden.grads[i])]);
      p.dispose();
      p = next;
      const got = await p.toArray();
      got.forEach((v, j) => expect(v).toBeCloseTo(c.steps[i][j], 12));
    }
    expect(opt.steps).toBe(4);
    opt.dispose();
  });

  it('resumes from a saved state exactly', async () => {
    const a = new Adam({ lr: 0.1 });
    let p = tensor(golden.p0);
    [p] = a.step([p], [tensor(golden.grads[0])]);
    const b = new Adam({ lr: 0.1 });
    // a checkpoint holds copies (state() hands out the optimizer's own tensors)
    const st = a.state()!;
    const copy = async (ts: readonly { toArray(): Promise<number[]>; shape: readonly number[] }[]) => Promise.all(ts.map(async (t) => tensor(await t.toArray(), t.shape)));
    b.loadState({ steps: st.steps, m: await copy(st.m), v: await copy(st.v) });
    const [pa] = a.step([p], [tensor(golden.grads[1])]);
    const [pb] = b.step([p], [tensor(golden.grads[1])]);
    expect(await pb.toArray()).toEqual(await pa.toArray());
  });

  it.each(golden.clip.map((c) => [c.maxNorm, c] as const))('clip_grad_norm_ at max norm %s', async (_m, c) => {
    const gs = [tensor([3, 4]), tensor([1, -2, 2, 0.5], [2, 2])];
    const { grads, norm } = clipGradNorm(gs, c.maxNorm);
    expect(await norm.item()).toBeCloseTo(c.norm, 12);
    for (let i = 0; i < gs.length; i++) (await grads[i].toArray()).forEach((v, j) => expect(v).toBeCloseTo(c.grads[i][j], 12));
  });

  it('detects NaN and Inf gradients', async () => {
    expect(await allFinite([tensor([1, 2]), tensor([3])])).toBe(true);
    expect(await allFinite([tensor([1, NaN])])).toBe(false);
    expect(await allFinite([tensor([1]), tensor([-Infinity])])).toBe(false);
  });
});
