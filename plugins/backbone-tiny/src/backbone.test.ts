import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCpuBackend } from '@crossedit/cpu';
import { modelConfigFromHf } from '@crossedit/backbone-llama';
import { generate, scoreTeacherForcedBatch, type TeacherForcedItem } from '@crossedit/transformer';
import type { Tokenizer } from '@crossedit/core';
import tinyDefault, { tiny } from './index.js';
import { assetsDir } from './paths.js';
import { buildCorpus } from './corpus/build.js';
import { sharedOrNull } from './testing/shared.js';
import { TINY_MODEL, type TrainConfig } from './train/config.js';
import type { EvalRecord } from './train/checkpoint.js';

interface TrainingSummary {
  config: TrainConfig;
  trainedFactIds: number[];
  final: EvalRecord;
}

const summary = JSON.parse(readFileSync(path.join(assetsDir, 'training.json'), 'utf8')) as TrainingSummary;
const shared = sharedOrNull();

/** Teacher-forced items: prompt = BOS + question, target = the tokens the answer adds to `question answer`. */
function items(tok: Tokenizer, qas: { q: string; a: string }[]): TeacherForcedItem[] {
  return qas.map(({ q, a }) => {
    const prompt = tok.encode(q).ids;
    const full = tok.encode(`${q} ${a}`).ids;
    expect(full.slice(0, prompt.length)).toEqual(prompt);
    return { promptIds: prompt, targetIds: full.slice(prompt.length) };
  });
}

describe('the shipped tiny backbone', () => {
  it('ships small f16 weights with a config equal to the plugin config', () => {
    expect(tinyDefault).toBe(tiny);
    expect(tiny.id).toBe('tiny');
    const bytes = readFileSync(path.join(assetsDir, 'model.safetensors')).byteLength;
    expect(bytes).toBeLessThan(15 * 2 ** 20);
    const hf = JSON.parse(readFileSync(path.join(assetsDir, 'config.json'), 'utf8'));
    expect(hf.torch_dtype).toBe('float16');
    expect(modelConfigFromHf(hf, 'config.json')).toEqual(TINY_MODEL);
    expect(summary.config.model).toEqual(TINY_MODEL);
    for (const f of ['tokenizer.json', 'training.json']) expect(existsSync(path.join(assetsDir, f))).toBe(true);
  });

  it.skipIf(!shared)('answers the training questions it saw, in English and Chinese (teacher-forced, CPU backend)', async () => {
    const backend = createCpuBackend();
    const model = await tiny.loadModel({}, { backend });
    // the weights actually loaded have the shape the plugin declares (not the constant against itself)
    expect(model.config).toEqual(modelConfigFromHf(JSON.parse(readFileSync(path.join(assetsDir, 'config.json'), 'utf8')), 'config.json'));
    expect(model.weight({ kind: 'mlp.down', layer: TINY_MODEL.numLayers - 1 }).shape).toEqual([TINY_MODEL.hiddenSize, TINY_MODEL.intermediateSize]);
    const tok = await tiny.createTokenizer({});
    const corpus = buildCorpus(shared!, summary.config.corpus);
    const byId = new Map(corpus.facts.map((f) => [f.id, f]));
    const facts = summary.trainedFactIds.map((id) => byId.get(id)!);
    expect(facts.every(Boolean)).toBe(true);
    const score = (lang: 'en' | 'zh') => scoreTeacherForcedBatch(model, items(tok, facts.map((f) => f[lang])), { padId: tok.special.pad!, paddingSide: 'left' });
    const mean = (xs: { accuracy: number }[]) => xs.reduce((s, x) => s + x.accuracy, 0) / xs.length;
    const enScores = await score('en');
    const zhScores = await score('zh');
    const en = mean(enScores);
    const zh = mean(zhScores);
    // the f16 weights score what training recorded in float64 (a few answers may flip on rounding)
    expect(Math.abs(en - summary.final.accEn)).toBeLessThan(0.05);
    expect(Math.abs(zh - summary.final.accZh)).toBeLessThan(0.05);
    expect(en).toBeGreaterThanOrEqual(0.95);
    expect(zh).toBeGreaterThanOrEqual(0.95);

    // unseen (held-out) facts are not known: a far lower accuracy
    const held = await scoreTeacherForcedBatch(model, items(tok, corpus.heldOut.slice(0, 48).map((f) => f.en)), { padId: tok.special.pad!, paddingSide: 'left' });
    expect(held.reduce((s, x) => s + x.accuracy, 0) / held.length).toBeLessThan(en / 2);

    // greedy decoding (KV cache) of questions whose answers are known teacher-forced produces those answers
    for (const lang of ['en', 'zh'] as const) {
      const k = (lang === 'en' ? enScores : zhScores).findIndex((x) => x.accuracy === 1);
      const fact = facts[k][lang];
      const out = await generate(model, tok.encode(fact.q).ids, { maxNewTokens: 12, eosId: tok.special.eos! });
      expect(tok.decode(out.tokens[0], { skipSpecialTokens: true }).trim()).toBe(fact.a);
    }
    model.dispose();
  });
});
