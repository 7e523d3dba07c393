/** SERAC artifacts: the classifier and the counterfactual model's trained weights, for one backbone. */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LanguageModel } from '@crossedit/core';
import { asF32, dataHash, readArtifact, writeArtifact, type ArtifactHeader, type ArtifactInfo, type DataSource, type SafeTensor } from '@crossedit/editor-training';
import { BagClassifier, type ClassifierArch } from './classifier.js';
import { Counterfactual, type CounterfactualArch } from './counterfactual.js';
import { loadSeracTensors } from './state.js';

/** The code version written into and required from artifacts. */
export const SERAC_CODE_VERSION = 'serac@3';

/** Where artifacts shipped with the plugin live (for the embedded model). */
export const SERAC_ASSETS = join(dirname(fileURLToPath(import.meta.url)), '..', 'assets');

/** Writes trained SERAC components (f32) as a content-addressed artifact. */
export async function writeSeracArtifact(
  dir: string,
  p: { backbone: string; weightsHash: string; sources: DataSource[]; classifier: ClassifierArch; counterfactual: CounterfactualArch; training: Record<string, unknown>; hparams: Record<string, unknown> },
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
  classifier: BagClassifier;
  counterfactual: Counterfactual;
  info: ArtifactInfo;
}

/** Builds the components of an artifact on top of `base` (whose embeddings the classifier reads). */
export async function loadSeracArtifact(path: string, base: LanguageModel): Promise<SeracComponents> {
  const { info, tensors } = await readArtifact(path);
  const arch = (info.hparams as { classifier?: ClassifierArch }).classifier;
  if (!arch || arch.kind !== 'bag') throw new Error(`${path}: the header names classifier ${JSON.stringify(arch)}; this code builds 'bag' classifiers`);
  if (arch.pool !== undefined && arch.pool !== 'mean' && arch.pool !== 'attn') throw new Error(`${path}: the header's classifier pool is ${JSON.stringify(arch.pool)}; expected 'mean' or 'attn'`);
  const cfArch = (info.hparams as { counterfactual?: CounterfactualArch }).counterfactual;
  if (!cfArch || typeof cfArch !== 'object' || (cfArch.train !== 'head' && cfArch.train !== 'all')) throw new Error(`${path}: the header's hparams.counterfactual is ${JSON.stringify(cfArch)}; expected { train: 'head' | 'all', copyHead, source }`);
  if (cfArch.source) throw new Error(`${path}: its counterfactual model was loaded from ${cfArch.source}; pass the same checkpoint (loadSeracArtifact(path, base, cfBackbone))`);
  const classifier = new BagClassifier(base.weight({ kind: 'embed' }), arch, base.backend);
  const counterfactual = new Counterfactual(base, cfArch);
  loadSeracTensors(classifier, counterfactual, tensors, path);
  return { classifier, counterfactual, info };
}
