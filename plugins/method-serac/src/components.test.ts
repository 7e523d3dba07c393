/**
 * SERAC's components from local directories: a BERT-family scope classifier (`--classifier-dir`, a tiny
 * BERT written here) and a counterfactual model from a LLaMA-family checkpoint directory (`--cf-model-dir`,
 * a tiny checkpoint written here). Trained with them, an artifact records their hashes and refuses
 * to load without them or with other ones; bad directories are errors naming the path and what was
 * expected.
 */
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { getBackend, parseHparams, tensor, tidy } from '@crossedit/core';
import llama, { LLAMA_LAYOUT } from '@crossedit/backbone-llama';
import { readArtifact, type EditExample } from '@crossedit/editor-training';
import { weightsHash } from '@crossedit/stats';
import { TEST_WORDS, tinyConfig, tinySetup } from '@crossedit/stats/testing';
import { randomHostWeights, tempModelDir, tinyHfConfig, writeHfCheckpoint } from '@crossedit/testing/checkpoints';
import { BERT_WORDS, writeTinyBert } from '@crossedit/transformer/testing';
import serac, { defaultSeracConfig, loadClassifierDir, loadCounterfactualDir, loadSeracArtifact, memoryOf, trainSerac, type SeracTrainConfig } from './index.js';

const EX: EditExample[] = [
  { index: 0, lang: 'en', prompt: 'What is the capital city of France', target: 'Rome', rephrase: 'Which city is the capital of France', loc: 'Who was born in Berlin', locAns: 'Einstein' },
  { index: 1, lang: 'en', prompt: 'Which language is spoken in Japan', target: 'German', rephrase: 'What language is spoken in Japan', loc: 'What sport plays the team', locAns: 'chess' },
  { index: 2, lang: 'en', prompt: 'Who founded the company Nokia', target: 'Picasso', rephrase: 'Who is the founder of Nokia', loc: 'Where is the river located', locAns: 'Canada' },
  { index: 3, lang: 'en', prompt: 'What is the capital city of Italy', target: 'Madrid', rephrase: 'Which city is the capital of Italy', loc: 'Who works for Apple', locAns: 'Newton' },
];

/** What a host (the CLI) passes: load a checkpoint directory with the backbone plugin. */
const load = (dir: string) => llama.loadModel({ modelDir: dir }, { backend: getBackend(), dtype: 'f32' });

const SOURCE = { file: 'toy.json', sha256: 'x', lang: 'en', format: 'zsre' as const, limit: null, used: 4, validation: 2 };

const dirs: string[] = [];
const tmp = (p: string) => {
  const d = tempModelDir(p);
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A LLaMA checkpoint directory over the test vocabulary (smaller than the base model). */
async function cfCheckpoint(vocab: number, seed: number): Promise<string> {
  const cfg = tinyConfig(vocab, { hiddenSize: 16, intermediateSize: 24, numLayers: 2, numHeads: 4, numKvHeads: 2 });
  const host = randomHostWeights(cfg, seed);
  const dir = tmp('serac-cf-');
  await writeHfCheckpoint(dir, LLAMA_LAYOUT.tensors(cfg).map((t) => ({ name: t.name, shape: t.shape, data: Float32Array.from(host.get(t.name)!) })), { format: 'safetensors', config: tinyHfConfig(cfg) });
  return dir;
}

/** A tiny BERT directory whose WordPiece vocabulary holds the test words. */
async function bertDir(seed: number): Promise<string> {
  const dir = tmp('serac-bert-');
  const known = new Set(BERT_WORDS);
  await writeTinyBert(dir, { seed, extraWords: [...new Set(TEST_WORDS.map((w) => w.toLowerCase()))].filter((w) => !known.has(w)) });
  return dir;
}

describe('serac components from directories', () => {
  it('trains with a BERT classifier and a counterfactual checkpoint, records both, and refuses other or missing ones', async () => {
    const { model, tokenizer, ctx } = tinySetup({ seed: 8 });
    const cfDir = await cfCheckpoint(tokenizer.vocabSize, 3);
    const clsDir = await bertDir(2);
    const out = tmp('serac-art-');
    const base: SeracTrainConfig = defaultSeracConfig(model.config, { maxIters: 3 });
    const config: SeracTrainConfig = {
      ...base,
      classifierDir: clsDir,
      cfModelDir: cfDir,
      scope: { iters: 4, batchSize: 4, lr: 1e-2 },
      loop: { ...base.loop, batchSize: 2, valEvery: 1, valCount: 2, checkpointEvery: 1 },
    };
    const before = await weightsHash(model);
    const r = await trainSerac({ model, tokenizer, backbone: 'tiny-test', config, sources: [SOURCE], train: EX, validation: EX.slice(0, 2), runDir: path.join(out, 'run'), outDir: out, loadCheckpoint: load });
    expect(r.artifact).not.toBeNull();
    expect(await weightsHash(model)).toBe(before);
    const { info, tensors } = await readArtifact(r.artifact!);
    const enc = await loadClassifierDir(clsDir, model.backend);
    const cf = await loadCounterfactualDir(cfDir, model, load);
    expect(info.hparams.classifier).toEqual({ kind: 'bert', width: enc.dim, projInit: 1, source: { dir: clsDir, sha256: enc.loaded.sha256 } });
    expect((info.hparams.counterfactual as { source: unknown }).source).toEqual({ dir: cfDir, weightsHash: await weightsHash(cf.model) });
    expect(cf.model.config.hiddenSize).toBe(16); // the counterfactual model is the checkpoint, not the base
    expect(tensors['cls.proj'].shape).toEqual([enc.dim, enc.dim]);
    // the projection trained (it starts at the identity)
    const p = tensors['cls.proj'].data;
    let offDiag = 0;
    for (let i = 0; i < enc.dim; i++) for (let j = 0; j < enc.dim; j++) offDiag += i === j ? 0 : Math.abs(p[i * enc.dim + j]);
    expect(offDiag).toBeGreaterThan(0);

    // through apply: the wrapper prepares (tokenizes) asynchronously, then forwards synchronously
    const hp = parseHparams('serac', serac.hparams, { artifact: r.artifact!, classifierDir: clsDir, cfModelDir: cfDir });
    const res = await serac.apply({ ...ctx, loadCheckpoint: load }, [{ id: 'e', prompt: EX[0].prompt, subject: 'France', target: EX[0].target, lang: 'en' }], hp);
    expect(memoryOf(model)).toHaveLength(1);
    const ids = tensor(Int32Array.from(tokenizer.encode(`${EX[0].rephrase} ${EX[0].target}`).ids), [1, tokenizer.encode(`${EX[0].rephrase} ${EX[0].target}`).ids.length], { dtype: 'i32' });
    expect(() => tidy(() => res.model!.forward(ids).logits)).toThrow(/BERT scope classifier reads text; await prepareRows/);
    await res.model!.prepare!(ids);
    const lp = tidy(() => res.model!.forward(ids).logits!);
    expect(lp.shape).toEqual([1, ids.shape[1], model.config.vocabSize]);
    const probs = await lp.data();
    for (const v of probs.slice(0, 50)) expect(Number.isFinite(v)).toBe(true);
    lp.dispose();
    ids.dispose();
    await res.restore();

    // the same artifact without its directories, or with other ones, is refused
    await expect(loadSeracArtifact(r.artifact!, model, { tokenizer, cfModelDir: cfDir, loadCheckpoint: load })).rejects.toThrow(/trained with the BERT classifier in .*pass that directory \(--classifier-dir/s);
    await expect(loadSeracArtifact(r.artifact!, model, { tokenizer, classifierDir: clsDir })).rejects.toThrow(/counterfactual model was loaded from .*pass that directory \(--cf-model-dir/s);
    const otherBert = await bertDir(9);
    await expect(loadSeracArtifact(r.artifact!, model, { tokenizer, classifierDir: otherBert, cfModelDir: cfDir, loadCheckpoint: load })).rejects.toThrow(new RegExp(`--classifier-dir ${otherBert} holds another encoder`));
    const otherCf = await cfCheckpoint(tokenizer.vocabSize, 4);
    await expect(loadSeracArtifact(r.artifact!, model, { tokenizer, classifierDir: clsDir, cfModelDir: otherCf, loadCheckpoint: load })).rejects.toThrow(new RegExp(`--cf-model-dir ${otherCf} holds other weights`));
    model.dispose();
  }, 120_000);

  it('a missing or unusable directory names the path and what was expected; a bag artifact refuses component directories', async () => {
    const { model, tokenizer } = tinySetup({ seed: 9 });
    const gone = path.join(tmp('serac-gone-'), 'nothing-here');
    expect(existsSync(gone)).toBe(false);
    expect(() => loadCounterfactualDir(gone, model, load)).toThrow(`--cf-model-dir ${gone}: directory not found; expected a checkpoint directory the backbone plugin loads`);
    expect(() => loadClassifierDir(gone, model.backend)).toThrow(`--classifier-dir ${gone}: directory not found; expected a BERT-family encoder directory`);
    // a BERT directory is no counterfactual model, a LLaMA one no BERT encoder
    const clsDir = await bertDir(2);
    await expect(loadCounterfactualDir(clsDir, model, load)).rejects.toThrow(new RegExp(`--cf-model-dir ${clsDir}: cannot load a counterfactual model .*expected a checkpoint directory the backbone plugin loads`, 's'));
    // a host without a checkpoint loader says so
    expect(() => loadCounterfactualDir(clsDir, model, undefined)).toThrow(/this host offers no checkpoint loader/);
    const wrongVocab = await cfCheckpoint(tokenizer.vocabSize + 5, 3);
    await expect(loadCounterfactualDir(wrongVocab, model, load)).rejects.toThrow(`--cf-model-dir ${wrongVocab}: its vocab_size is ${tokenizer.vocabSize + 5}, the base model's is ${tokenizer.vocabSize}`);
    const cfDir = await cfCheckpoint(tokenizer.vocabSize, 3);
    await expect(loadClassifierDir(cfDir, model.backend)).rejects.toThrow(new RegExp(`--classifier-dir ${cfDir}: cannot load a BERT encoder`));
    // an artifact trained with the embedded components refuses directories it was not trained with
    const out = tmp('serac-bag-');
    const base = defaultSeracConfig(model.config, { maxIters: 1 });
    const r = await trainSerac({ model, tokenizer, backbone: 'tiny-test', config: { ...base, scope: { iters: 0, batchSize: 4, lr: 1e-2 }, loop: { ...base.loop, batchSize: 2, valEvery: 1, valCount: 1 } }, sources: [SOURCE], train: EX, validation: EX.slice(0, 1), runDir: path.join(out, 'run'), outDir: out });
    await expect(loadSeracArtifact(r.artifact!, model, { tokenizer, classifierDir: clsDir })).rejects.toThrow(/trained with the embedded bag classifier, not a BERT one; --classifier-dir .* does not apply/);
    await expect(loadSeracArtifact(r.artifact!, model, { tokenizer, cfModelDir: cfDir, loadCheckpoint: load })).rejects.toThrow(/its counterfactual model is the base model; --cf-model-dir .* does not apply/);
    model.dispose();
  }, 120_000);
});
