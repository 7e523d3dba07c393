import { readdirSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mul, parseHparams, Rng, setBackend, untrack } from '@crossedit/core';
import { createCpuBackend } from '@crossedit/cpu';
import tiny from '@crossedit/backbone-tiny';
import { artifactInfo } from '@crossedit/editor-training';
import { weightsHash } from '@crossedit/stats';
import mend, { MEND_ASSETS } from './index.js';

const log = { info: () => undefined, warn: () => undefined };

describe('the MEND artifact shipped for the embedded model', () => {
  it('is found for the embedded model in both languages, edits, restores bit-identically, and is refused once the weights change', async () => {
    const backend = createCpuBackend();
    setBackend(backend);
    const model = await tiny.loadModel({}, { backend });
    const tokenizer = await tiny.createTokenizer({});
    const ctx = { model, tokenizer, backbone: { id: 'tiny', config: model.config }, backend, rng: new Rng(0), log, cacheDir: await mkdtemp(join(tmpdir(), 'mend-shipped-')) };
    const hp = parseHparams('mend', mend.hparams, {});
    const before = await weightsHash(model);
    // the matrices its header's architecture names, in the editor's order (layer-major)
    const shipped = readdirSync(MEND_ASSETS).filter((f) => /^mend-[0-9a-f]{24}\.safetensors$/.test(f));
    expect(shipped).toHaveLength(1);
    const arch = (await artifactInfo(join(MEND_ASSETS, shipped[0]))).hparams.arch as { layers: number[]; kinds: string[] };
    const named = arch.layers.flatMap((l) => arch.kinds.map((k) => `${k}@${l}`));
    expect(named.length).toBeGreaterThan(0);
    for (const [lang, prompt, target] of [
      ['en', 'What is the native language of Christiane Cohendy?', 'French'],
      ['zh', 'Christiane Cohendy的母语是什么？', '法语'],
    ]) {
      const r = await mend.apply(ctx, [{ id: lang, prompt, subject: 'Christiane Cohendy', target, lang }], hp);
      expect(String(r.diagnostics.artifact)).toMatch(/^[0-9a-f]{16}$/);
      expect(r.deltas.map((d) => `${d.ref.kind}@${(d.ref as { layer: number }).layer}`)).toEqual(named);
      const d = await r.deltas.at(-1)!.delta.data();
      expect(d.some((v) => v !== 0)).toBe(true);
      await r.restore();
      expect(await weightsHash(model)).toBe(before);
    }
    // another model (the same architecture, one weight scaled): the shipped artifact is not used
    const other = await tiny.loadModel({}, { backend });
    other.setWeight({ kind: 'norm.final' }, untrack(mul(other.weight({ kind: 'norm.final' }), 1.5))).dispose();
    const err = mend.apply({ ...ctx, model: other }, [{ id: 'x', prompt: 'a', subject: 'a', target: 'b', lang: 'en' }], hp);
    await expect(err).rejects.toThrow(/no trained mend artifact/);
    await expect(mend.apply({ ...ctx, model: other }, [{ id: 'x', prompt: 'a', subject: 'a', target: 'b', lang: 'en' }], hp)).rejects.toThrow(new RegExp(`${MEND_ASSETS.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*trained for backbone weights`, 's'));
    model.dispose();
  });
});
