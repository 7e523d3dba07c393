/**
 * ROME on real trained weights: the stories260K GGUF model (a tiny English LLaMA) through the
 * backbone-llama plugin, with the method's default hyperparameters and the backbone presets.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseHparams, Rng, setBackend, type EditContext } from '@crossedit/core';
import { createCpuBackend } from '@crossedit/cpu';
import llama from '@crossedit/backbone-llama';
import rome from '@crossedit/method-rome';
import { argmaxRows } from '@crossedit/eval';
import { scoreTeacherForced, teacherForcedIds, weightsHash } from '@crossedit/transformer';

const root = path.resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const gguf = path.join(process.env.CROSSEDIT_SHARED ?? path.resolve(root, '../shared'), 'models/stories260k/stories260K.gguf');

describe('ROME on stories260K (real weights)', () => {
  it('makes the model produce the new target while an unrelated text keeps its predictions', async () => {
    const backend = createCpuBackend();
    setBackend(backend);
    const model = await llama.loadModel({ modelDir: gguf }, { backend });
    const tokenizer = await llama.createTokenizer({ modelDir: gguf });
    const prompt = "Lily's favorite color was";
    const target = 'green';
    const unrelated = 'Tom and his dad went to the park. They played with a big ball and ran on the grass.';
    const item = teacherForcedIds(tokenizer, prompt, target);
    const before = await scoreTeacherForced(model, item.promptIds, item.targetIds);
    const unrelatedIds = tokenizer.encode(unrelated).ids;
    const [unrelatedBefore] = await argmaxRows(model, [unrelatedIds]);
    const hash0 = await weightsHash(model);

    const info = { id: llama.id, config: model.config };
    const hparams = parseHparams(rome.id, rome.hparams, rome.presets?.(info));
    const ctx: EditContext = { model, tokenizer, backbone: info, backend, rng: new Rng(0), log: { info() {}, warn() {} } };
    const result = await rome.apply(ctx, [{ id: 'story:0', prompt, subject: 'Lily', target, lang: 'en' }], hparams);
    const after = await scoreTeacherForced(model, item.promptIds, item.targetIds);
    const [unrelatedAfter] = await argmaxRows(model, [unrelatedIds]);
    const kept = unrelatedAfter.filter((id, i) => id === unrelatedBefore[i]).length / unrelatedIds.length;
    await result.restore();

    console.info(`stories260K ROME: edit-prompt accuracy ${before.accuracy.toFixed(2)} → ${after.accuracy.toFixed(2)}; unrelated predictions unchanged ${(kept * 100).toFixed(1)}%`);
    expect(before.accuracy).toBeLessThan(1);
    expect(after.accuracy).toBe(1);
    expect(kept).toBeGreaterThan(0.8);
    expect(await weightsHash(model)).toBe(hash0);
    model.dispose();
  });
});
