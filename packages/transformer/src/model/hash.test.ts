import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { tensor } from '@crossedit/core';
import { LlamaModel } from './llama.js';
import { weightsHash } from './hash.js';
import { randomWeights } from './weights.js';
import { TINY, cpuBackend, tinyModel } from './testing/setup.js';

describe('weightsHash', () => {
  it('is a sha256 over sorted names, shapes and f32 bytes; detects one changed value; restores', async () => {
    const model = tinyModel();
    const h0 = await weightsHash(model);
    expect(h0).toMatch(/^[0-9a-f]{64}$/);
    // independent recomputation
    const h = createHash('sha256');
    for (const name of [...model.weights().keys()].sort()) {
      const t = model.weights().get(name)!;
      h.update(`${name}\0f32[${t.shape.join(',')}]\0`);
      h.update(Buffer.from(Float32Array.from(await t.data()).buffer));
    }
    expect(h0).toBe(h.digest('hex'));
    // insertion order does not matter
    const be = cpuBackend();
    const w = randomWeights(TINY, { seed: 1, backend: be });
    const reversed = new LlamaModel(TINY, new Map([...w].reverse()));
    expect(await weightsHash(reversed)).toBe(h0);
    // one value changed by a float32 ulp-sized amount
    const ref = { kind: 'mlp.up', layer: 1 } as const;
    const host = Float64Array.from(await model.weight(ref).data());
    host[7] = host[7] * (1 + 2 ** -20);
    const old = model.setWeight(ref, tensor(host, model.weight(ref).shape));
    expect(await weightsHash(model)).not.toBe(h0);
    model.setWeight(ref, old).dispose();
    expect(await weightsHash(model)).toBe(h0);
    model.dispose();
    reversed.dispose();
  });

  it('an f16-stored model hashes as the f32 model of the same (half-precision) values; one bit changed differs', async () => {
    const be = cpuBackend();
    const w16 = randomWeights(TINY, { seed: 4, backend: be, dtype: 'f16' });
    const values = new Map<string, Float32Array>();
    for (const [n, t] of w16) values.set(n, Float32Array.from(await t.data()));
    const m16 = new LlamaModel(TINY, w16);
    const m32 = new LlamaModel(TINY, new Map([...values].map(([n, v]) => [n, tensor(v, [...w16.get(n)!.shape], { backend: be })])));
    expect([...m16.weights().values()].some((t) => t.dtype === 'f16')).toBe(true);
    expect(await weightsHash(m16)).toBe(await weightsHash(m32));
    const ref = { kind: 'attn.v', layer: 0 } as const;
    const v = Float32Array.from(await m16.weight(ref).data());
    v[3] = -v[3];
    m16.setWeight(ref, tensor(v, [...m16.weight(ref).shape], { backend: be, dtype: 'f16' })).dispose();
    expect(await weightsHash(m16)).not.toBe(await weightsHash(m32));
    m16.dispose();
    m32.dispose();
  });
});
