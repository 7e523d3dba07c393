/**
 * ROME on a model whose weights are row-sharded (an artificial binding limit of 4 KiB on the float64
 * CPU backend shards the embedding, LM head, every MLP matrix, and the v* optimisation's activations and
 * logits): the same templates, u, v* and ΔW as on the unsharded model, the edit lands
 * the same way, ΔW comes back sharded like the weight it is added to, and restore() is bit-identical.
 */
import { describe, expect, it } from 'vitest';
import { parseHparams, setBackend, type EditRequest } from '@crossedit/core';
import { createCpuBackend } from '@crossedit/cpu';
import { weightsHash } from '@crossedit/stats';
import { cpuBackend, tinySetup } from '@crossedit/stats/testing';
import { relMaxErr } from '@crossedit/testing/fixtures';
import rome, { romeApply, type RomeHparams, type RomeStep } from './index.js';

const REQ: EditRequest = { id: 'r0', prompt: 'The capital city of France', subject: 'France', target: 'Rome', lang: 'en' };
const LIMIT = 4096;

async function edit(setup: ReturnType<typeof tinySetup>) {
  const { ctx, model } = setup;
  setBackend(ctx.backend);
  // the reference settings with fewer templates and steps (the sharded CPU path dispatches per block)
  const hp = parseHparams<RomeHparams>('rome', rome.hparams, rome.presets?.(ctx.backbone), { contextTemplateLengths: [[5, 5]], vNumGradSteps: 10 });
  const layer = hp.layers[0];
  const before = await weightsHash(model);
  let step: RomeStep | null = null;
  const res = await romeApply(ctx, [REQ], hp, { onStep: (s) => (step = s) });
  const delta = Float64Array.from(await res.deltas[0].delta.data());
  const edited = Float64Array.from(await model.weight({ kind: 'mlp.down', layer }).data());
  const out = {
    layer,
    step: step! as RomeStep,
    delta,
    deltaShards: res.deltas[0].delta.shards,
    edited,
    editedShards: model.weight({ kind: 'mlp.down', layer }).shards,
    templates: res.diagnostics.templates,
  };
  await res.restore();
  return { ...out, restored: (await weightsHash(model)) === before };
}

describe(`ROME on row-sharded weights (binding limit ${LIMIT} bytes)`, () => {
  it('gives the unsharded u, v* and ΔW, a sharded W + ΔW, and a bit-identical restore', async () => {
    const limited = createCpuBackend({ maxBindingBytes: LIMIT });
    const plain = tinySetup({ seed: 3, backend: cpuBackend() });
    const sharded = tinySetup({ seed: 3, backend: limited });
    const w = sharded.model.weights();
    for (const n of ['model.embed_tokens.weight', 'lm_head.weight', 'model.layers.1.mlp.down_proj.weight', 'model.layers.1.mlp.gate_proj.weight']) {
      expect(w.get(n)!.shards, `${n} is sharded`).toBeGreaterThan(1);
    }
    expect(await weightsHash(sharded.model)).toBe(await weightsHash(plain.model));
    const want = await edit(plain);
    const got = await edit(sharded);
    setBackend(cpuBackend());
    expect(got.templates).toBe(want.templates);
    expect(relMaxErr(got.step.u, want.step.u)).toBeLessThan(1e-9);
    expect(relMaxErr(got.step.kStar, want.step.kStar)).toBeLessThan(1e-9);
    expect(got.step.v.steps).toBe(want.step.v.steps);
    expect(relMaxErr(got.step.v.target, want.step.v.target)).toBeLessThan(1e-8);
    expect(relMaxErr(got.delta, want.delta)).toBeLessThan(1e-8);
    expect(relMaxErr(got.edited, want.edited)).toBeLessThan(1e-9);
    expect(Math.max(...want.delta.map(Math.abs))).toBeGreaterThan(0);
    expect(want.deltaShards).toBe(1);
    expect(got.deltaShards).toBeGreaterThan(1);
    expect(got.editedShards).toBeGreaterThan(1);
    expect(want.restored).toBe(true);
    expect(got.restored).toBe(true);
    sharded.model.dispose();
    plain.model.dispose();
    expect(limited.memory().storages, 'no storage leaks').toBe(0);
  });

  it('on f16 weights: the same ΔW as unsharded f16, the edited f16 matrix sharded, restore bit-identical to the f16 bits', async () => {
    const limited = createCpuBackend({ maxBindingBytes: LIMIT });
    const plain = tinySetup({ seed: 3, backend: cpuBackend(), dtype: 'f16' });
    const sharded = tinySetup({ seed: 3, backend: limited, dtype: 'f16' });
    const down = sharded.model.weight({ kind: 'mlp.down', layer: 1 });
    expect(down.dtype).toBe('f16');
    expect(down.shards).toBeGreaterThan(1);
    const want = await edit(plain);
    const got = await edit(sharded);
    setBackend(cpuBackend());
    expect(relMaxErr(got.delta, want.delta)).toBeLessThan(1e-8);
    expect(relMaxErr(got.edited, want.edited)).toBeLessThan(1e-9);
    expect(got.editedShards).toBeGreaterThan(1);
    expect(want.restored).toBe(true);
    expect(got.restored).toBe(true);
    sharded.model.dispose();
    plain.model.dispose();
    expect(limited.memory().storages, 'no storage leaks').toBe(0);
  });
});
