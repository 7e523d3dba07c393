import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mul, parseHparams, Rng, setBackend, untrack } from '@crossedit/core';
import { createCpuBackend } from '@crossedit/cpu';
import tiny from '@crossedit/backbone-tiny';
import { weightsHash } from '@crossedit/stats';
import { teacherForcedAccuracy } from '@crossedit/testing';
import serac, { memoryOf, SERAC_ASSETS } from './index.js';

const log = { info: () => undefined, warn: () => undefined };

describe('the SERAC artifact shipped for the embedded model', () => {
  it('is found for the embedded model in both languages, edits, restores bit-identically, and is refused once the weights change', async () => {
    const backend = createCpuBackend();
    setBackend(backend);
    const model = await tiny.loadModel({}, { backend });
    const tokenizer = await tiny.createTokenizer({});
    const ctx = { model, tokenizer, backbone: { id: 'tiny', config: model.config }, backend, rng: new Rng(0), log, cacheDir: await mkdtemp(join(tmpdir(), 'serac-shipped-')) };
    const hp = parseHparams('serac', serac.hparams, {});
    const before = await weightsHash(model);
    for (const [lang, prompt, target] of [
      ['en', 'What is the native language of Christiane Cohendy?', 'French'],
      ['zh', 'Christiane Cohendy的母语是什么？', '法语'],
    ]) {
      const r = await serac.apply(ctx, [{ id: lang, prompt, subject: 'Christiane Cohendy', target, lang }], hp);
      expect(String(r.diagnostics.artifact)).toMatch(/^[0-9a-f]{16}$/);
      expect(r.deltas).toEqual([]);
      expect(r.model).toBeDefined();
      expect(memoryOf(model)).toHaveLength(1);
      // the edit takes: the wrapper gives more of the new target's tokens than the base model
      const [edited, unedited] = [await teacherForcedAccuracy(r.model!, tokenizer, prompt, target), await teacherForcedAccuracy(model, tokenizer, prompt, target)];
      expect(edited, `${lang}: ${unedited} → ${edited}`).toBeGreaterThan(unedited);
      expect(edited).toBeGreaterThanOrEqual(0.5);
      await r.restore();
      expect(await weightsHash(model)).toBe(before);
    }
    // another model (the same architecture, one weight scaled): the shipped artifact is not used
    const other = await tiny.loadModel({}, { backend });
    other.setWeight({ kind: 'norm.final' }, untrack(mul(other.weight({ kind: 'norm.final' }), 1.5))).dispose();
    const err = serac.apply({ ...ctx, model: other }, [{ id: 'x', prompt: 'a', subject: 'a', target: 'b', lang: 'en' }], hp);
    await expect(err).rejects.toThrow(/no trained serac artifact/);
    await expect(serac.apply({ ...ctx, model: other }, [{ id: 'x', prompt: 'a', subject: 'a', target: 'b', lang: 'en' }], hp)).rejects.toThrow(new RegExp(`${SERAC_ASSETS.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*trained for backbone weights`, 's'));
    model.dispose();
  });
});
