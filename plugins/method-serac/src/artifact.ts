/** SERAC artifacts: the classifier and the counterfactual model's trained weights, for one backbone. */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LanguageModel, Tokenizer } from '@crossedit/core';
import { asF32, dataHash, readArtifact, writeArtifact, type ArtifactHeader, type ArtifactInfo, type DataSource, type SafeTensor } from '@crossedit/editor-training';
import { BertClassifier } from './bert-classifier.js';
import { BagClassifier, type AnyClassifierArch, type ScopeClassifier } from './classifier.js';
import { loadClassifierDir, loadCounterfactualDir, SeracComponentError, type CheckpointLoader } from './sources.js';
import { Counterfactual, type CounterfactualArch } from './counterfactual.js';
import { loadSeracTensors } from './state.js';

/** The code version written into and required from artifacts. */
export const SERAC_CODE_VERSION = 'serac@3';

/** Where artifacts shipped with the plugin live (for the embedded model). */
export const SERAC_ASSETS = join(dirname(fileURLToPath(import.meta.url)), '..', 'assets');

/** Writes trained SERAC components (f32) as a content-addressed artifact. */
export async function writeSeracArtifact(
  dir: string,
  p: { backbone: string; weightsHash: string; sources: DataSource[]; classifier: AnyClassifierArch; counterfactual: CounterfactualArch; training: Record<string, unknown>; hparams: Record<string, unknown> },
  params: Record<string, SafeTensor>,
): Promise<string> {
  const header: ArtifactHeader = {
    method: 'serac',
    backbone: p.backbone,
    weightsHash: p.weightsHash,
    data: p.sources,
    dataHash: dataHash(p.sources),
    langs: [...new Set(p.sources.map((s) => s.lang))],
    hparams: { classifier: p.classifier, counterfactual: p.counterfactual, ...p.hparams },
    codeVersion: SERAC_CODE_VERSION,
    training: p.training,
  };
  const f32: Record<string, SafeTensor> = {};
  for (const [k, v] of Object.entries(params)) f32[k] = asF32(v);
  return writeArtifact(dir, header, f32);
}

/** Loaded components. */
export interface SeracComponents {
  classifier: ScopeClassifier;
  counterfactual: Counterfactual;
  info: ArtifactInfo;
}

/** The directories an artifact's components may need (see {@link loadSeracArtifact}). */
export interface SeracComponentDirs {
  /** The BERT classifier's encoder directory (`--classifier-dir`), required by artifacts trained with one. */
  classifierDir?: string;
  /** The counterfactual checkpoint directory (`--cf-model-dir`), required by artifacts trained with one. */
  cfModelDir?: string;
  /** The base tokenizer (decodes rows for a BERT classifier). */
  tokenizer?: Tokenizer;
  /** Loads `cfModelDir` (the host's `EditContext.loadCheckpoint`). */
  loadCheckpoint?: CheckpointLoader;
}

/**
 * Builds the components of an artifact on top of `base` (whose embeddings the bag classifier reads). An
 * artifact trained with a BERT classifier or a counterfactual checkpoint needs that same directory
 * (checked by content hash); one trained without refuses a directory, so a component is never silently
 * swapped.
 */
export async function loadSeracArtifact(path: string, base: LanguageModel, dirs: SeracComponentDirs = {}): Promise<SeracComponents> {
  const { info, tensors } = await readArtifact(path);
  const arch = (info.hparams as { classifier?: AnyClassifierArch }).classifier;
  if (!arch || (arch.kind !== 'bag' && arch.kind !== 'bert')) throw new SeracComponentError(`${path}: the header names classifier ${JSON.stringify(arch)}; this code builds 'bag' and 'bert' classifiers`);
  if (arch.kind === 'bag' && arch.pool !== undefined && arch.pool !== 'mean' && arch.pool !== 'attn') throw new SeracComponentError(`${path}: the header's classifier pool is ${JSON.stringify(arch.pool)}; expected 'mean' or 'attn'`);
  const cfArch = (info.hparams as { counterfactual?: CounterfactualArch }).counterfactual;
  if (!cfArch || typeof cfArch !== 'object' || (cfArch.train !== 'head' && cfArch.train !== 'all')) throw new SeracComponentError(`${path}: the header's hparams.counterfactual is ${JSON.stringify(cfArch)}; expected { train: 'head' | 'all', copyHead, source }`);
  let classifier: ScopeClassifier;
  if (arch.kind === 'bert') {
    if (!dirs.classifierDir) throw new SeracComponentError(`${path}: trained with the BERT classifier in ${arch.source.dir} (sha256 ${arch.source.sha256.slice(0, 16)}…); pass that directory (--classifier-dir, hparam classifierDir)`);
    if (!dirs.tokenizer) throw new SeracComponentError(`${path}: a BERT classifier needs the base tokenizer (loadSeracArtifact(path, base, { tokenizer }))`);
    const enc = await loadClassifierDir(dirs.classifierDir, base.backend);
    const sha = enc.loaded.sha256;
    if (sha !== arch.source.sha256) throw new SeracComponentError(`${path}: trained with the classifier in ${arch.source.dir} (sha256 ${arch.source.sha256.slice(0, 16)}…), but --classifier-dir ${dirs.classifierDir} holds another encoder (sha256 ${sha.slice(0, 16)}…); train an artifact for it (crossedit train-editor --method serac --classifier-dir ${dirs.classifierDir} …)`);
    classifier = new BertClassifier(enc, arch, dirs.tokenizer, base.backend);
  } else {
    if (dirs.classifierDir) throw new SeracComponentError(`${path}: trained with the embedded bag classifier, not a BERT one; --classifier-dir ${dirs.classifierDir} does not apply (train an artifact with it: crossedit train-editor --method serac --classifier-dir ${dirs.classifierDir} …)`);
    classifier = new BagClassifier(base.weight({ kind: 'embed' }), arch, base.backend);
  }
  let cfBackbone = base;
  if (cfArch.source) {
    if (!dirs.cfModelDir) {
      classifier.dispose();
      throw new SeracComponentError(`${path}: its counterfactual model was loaded from ${cfArch.source.dir} (weights ${cfArch.source.weightsHash.slice(0, 16)}…); pass that directory (--cf-model-dir, hparam cfModelDir)`);
    }
    const cf = await loadCounterfactualDir(dirs.cfModelDir, base, dirs.loadCheckpoint);
    if (cf.source.weightsHash !== cfArch.source.weightsHash) {
      classifier.dispose();
      throw new SeracComponentError(`${path}: its counterfactual model was ${cfArch.source.dir} (weights ${cfArch.source.weightsHash.slice(0, 16)}…), but --cf-model-dir ${dirs.cfModelDir} holds other weights (${cf.source.weightsHash.slice(0, 16)}…); train an artifact for it (crossedit train-editor --method serac --cf-model-dir ${dirs.cfModelDir} …)`);
    }
    cfBackbone = cf.model;
  } else if (dirs.cfModelDir) {
    classifier.dispose();
    throw new SeracComponentError(`${path}: its counterfactual model is the base model; --cf-model-dir ${dirs.cfModelDir} does not apply (train an artifact with it: crossedit train-editor --method serac --cf-model-dir ${dirs.cfModelDir} …)`);
  }
  const counterfactual = new Counterfactual(cfBackbone, cfArch);
  loadSeracTensors(classifier, counterfactual, tensors, path);
  return { classifier, counterfactual, info };
}
