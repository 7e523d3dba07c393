/**
 * SERAC components read from local directories: the counterfactual model from a checkpoint directory
 * (`--cf-model-dir`), loaded by the host with the session's backbone plugin (`EditContext.loadCheckpoint`:
 * the method names no backbone; for the LLaMA-family plugins an HF directory with `config.json` and
 * safetensors / `.bin` shards, or a GGUF; the reference uses llama-160m) and the scope classifier's encoder from a BERT-family directory (`--classifier-dir`,
 * loaded by the project's `BertEncoder`; the reference uses distilbert-base-cased). Each is identified by
 * a content hash recorded in the artifact, so an artifact trained with one directory refuses another.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { ConfigurationError, type Backend, type LanguageModel } from '@crossedit/core';
import { baseWeightsHash } from '@crossedit/editor-training';
import { BertEncoder } from '@crossedit/transformer';

/**
 * A component directory that is missing, unusable, or not the one an artifact was trained with: a
 * configuration error (the evaluator stops instead of recording failed edits).
 */
export class SeracComponentError extends ConfigurationError {
  override name = 'SeracComponentError';
}

/** Where a counterfactual model came from (recorded in the artifact's `hparams.counterfactual.source`). */
export interface CfSource {
  /** The directory as given (absolute). */
  dir: string;
  /** The model's weights hash (`weightsHash` of `@crossedit/stats`). */
  weightsHash: string;
}

/** Where a BERT classifier's encoder came from (recorded in `hparams.classifier.source`). */
export interface EncoderSource {
  dir: string;
  /** `BertEncoder`'s sha256 over config, tokenizer, weights, pooling and truncation. */
  sha256: string;
}

const CF_EXPECTED = "a checkpoint directory the backbone plugin loads (config.json with model*.safetensors or pytorch_model*.bin, or a .gguf) whose vocabulary is the base tokenizer's";
const BERT_EXPECTED = 'a BERT-family encoder directory (config.json, vocab.txt or tokenizer.json, model.safetensors or pytorch_model.bin; e.g. distilbert-base-cased or a sentence-transformers model)';

function checkDir(dir: string, flag: string, expected: string): string {
  const abs = path.resolve(dir);
  if (!existsSync(abs)) throw new SeracComponentError(`${flag} ${abs}: directory not found; expected ${expected}`);
  if (!statSync(abs).isDirectory() && !abs.endsWith('.gguf')) throw new SeracComponentError(`${flag} ${abs}: not a directory; expected ${expected}`);
  return abs;
}

const cfCache = new WeakMap<Backend, Map<string, Promise<{ model: LanguageModel; source: CfSource }>>>();

/** Loads a checkpoint directory as a model (the host's `EditContext.loadCheckpoint`). */
export type CheckpointLoader = (dir: string) => Promise<LanguageModel>;

/**
 * Loads a counterfactual model from `dir` with the host's `load` (the session's backbone plugin, f32 on the
 * base model's backend: SERAC may train its weights), once per backend and directory. Its vocabulary must
 * be the base model's: SERAC feeds it the base tokenizer's ids (the cached edit, then the input).
 * @throws SeracComponentError naming the directory and what was expected.
 */
export function loadCounterfactualDir(dir: string, base: LanguageModel, load: CheckpointLoader | undefined): Promise<{ model: LanguageModel; source: CfSource }> {
  const abs = checkDir(dir, '--cf-model-dir', CF_EXPECTED);
  if (!load) throw new SeracComponentError(`--cf-model-dir ${abs}: this host offers no checkpoint loader (EditContext.loadCheckpoint / TrainArtifactOptions.loadCheckpoint; crossedit train-editor and crossedit eval pass one)`);
  let byDir = cfCache.get(base.backend);
  if (!byDir) cfCache.set(base.backend, (byDir = new Map()));
  const cache = byDir;
  let p = cache.get(abs);
  if (!p) {
    p = (async () => {
      let model: LanguageModel;
      try {
        model = await load(abs);
      } catch (e) {
        throw new SeracComponentError(`--cf-model-dir ${abs}: cannot load a counterfactual model (${(e as Error).message}); expected ${CF_EXPECTED}`);
      }
      if (model.config.vocabSize !== base.config.vocabSize) {
        model.dispose();
        throw new SeracComponentError(`--cf-model-dir ${abs}: its vocab_size is ${model.config.vocabSize}, the base model's is ${base.config.vocabSize}; the counterfactual model reads the base tokenizer's ids, so it needs the same vocabulary`);
      }
      return { model, source: { dir: abs, weightsHash: await baseWeightsHash(model) } };
    })();
    cache.set(abs, p);
    p.catch(() => cache.delete(abs));
  }
  return p;
}

const bertCache = new WeakMap<Backend, Map<string, Promise<BertEncoder>>>();

/**
 * Loads a BERT-family encoder from `dir` on `backend`, once per backend and directory.
 * @throws Error naming the directory and what was expected.
 */
export function loadClassifierDir(dir: string, backend: Backend): Promise<BertEncoder> {
  const abs = checkDir(dir, '--classifier-dir', BERT_EXPECTED);
  let byDir = bertCache.get(backend);
  if (!byDir) bertCache.set(backend, (byDir = new Map()));
  const cache = byDir;
  let p = cache.get(abs);
  if (!p) {
    p = BertEncoder.load(abs, { backend }).catch((e: Error) => {
      throw new SeracComponentError(`--classifier-dir ${abs}: cannot load a BERT encoder (${e.message}); expected ${BERT_EXPECTED}`);
    });
    cache.set(abs, p);
    p.catch(() => cache.delete(abs));
  }
  return p;
}
