/**
 * FT through row-sharded weights: under an artificial binding limit of 512 bytes (float64 CPU backend) the
 * trained `mlp.down` matrix, the embedding and the LM head are row shards, and the Adam steps, the
 * L-infinity clamp and the loss's logits run block by block. The deltas equal those of the unsharded
 * model, the trained weight stays sharded, and restore() gives back bit-identical weights.
 */
import { describe, expect, it } from 'vitest';
import { parseHparams, setBackend, type EditRequest } from '@crossedit/core';
import { createCpuBackend } from '@crossedit/cpu';
import { copyModel, cpuBackend, tinyContext, tinyLlama, vocabOf, weightsHash, wordTokenizer } from '@crossedit/testing';
import ft, { type FtHparams } from './index.js';

const REQ: EditRequest = { id: 'a', prompt: 'What is the capital city of France ?', subject: 'France', target: 'Rome Italy', lang: 'en' };

describe('ft on row-sharded weights (binding limit 512 bytes)', () => {
  it('trains the same deltas as unsharded, keeps the weight sharded, restores bit-identically', async () => {
    const tok = wordTokenizer(vocabOf([REQ.prompt, REQ.target]));
    const plain = tinyLlama({ vocabSize: tok.vocabSize, seed: 3, backend: cpuBackend() });
    const limited = createCpuBackend({ maxBindingBytes: 512 });
    const sharded = await copyModel(plain, limited);
    const layer = 1;
    for (const t of [sharded.weight({ kind: 'mlp.down', layer }), sharded.weight({ kind: 'embed' }), sharded.weight({ kind: 'lmHead' })]) expect(t.shards, t.describe()).toBeGreaterThan(1);
    const run = async (model: typeof plain) => {
      setBackend(model.backend);
      const ctx = tinyContext(model, tok);
      const hp = parseHparams<FtHparams>('ft', ft.hparams, ft.presets?.(ctx.backbone), { layers: [layer], lr: 0.05, numSteps: 6, normConstraint: 0.02 });
      const before = await weightsHash(model);
      const res = await ft.apply(ctx, [REQ], hp);
      const delta = Float64Array.from(await res.deltas[0].delta.data());
      const shards = model.weight({ kind: 'mlp.down', layer }).shards;
      await res.restore();
      return { delta, shards, restored: (await weightsHash(model)) === before };
    };
    const want = await run(plain);
    const got = await run(sharded);
    setBackend(cpuBackend());
    const scale = Math.max(...want.delta.map(Math.abs));
    expect(scale).toBeGreaterThan(0);
    let err = 0;
    for (let i = 0; i < want.delta.length; i++) err = Math.max(err, Math.abs(got.delta[i] - want.delta[i]));
    expect(err / scale).toBeLessThan(1e-9);
    expect(got.shards).toBeGreaterThan(1);
    expect(want.restored).toBe(true);
    expect(got.restored).toBe(true);
    plain.dispose();
    sharded.dispose();
    expect(limited.memory().storages, 'no storage leaks').toBe(0);
  });
});
