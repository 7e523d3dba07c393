/** SERAC's edit-time hyperparameters (the training ones live in the artifact's header). */
import type { HparamSchema } from '@crossedit/core';

/** What `apply` reads. */
export interface SeracHparams {
  /** An artifact file; empty: search `artifactDir`, then `<cacheDir>/editors`, then the shipped assets. */
  artifact: string;
  /** A directory of artifacts searched first. */
  artifactDir: string;
  /** The BERT classifier's encoder directory, for artifacts trained with one (`--classifier-dir`). */
  classifierDir: string;
  /** The counterfactual checkpoint directory, for artifacts trained with one (`--cf-model-dir`). */
  cfModelDir: string;
}

/** The schema. */
export const SERAC_HPARAMS: HparamSchema<SeracHparams> = {
  artifact: { default: '', doc: 'trained SERAC artifact (a .safetensors file from `crossedit train-editor --method serac`); empty: look it up by the model weights hash' },
  artifactDir: { default: '', doc: 'directory searched for artifacts before <cache-dir>/editors and the shipped assets' },
  classifierDir: { default: '', doc: 'BERT-family encoder directory of the scope classifier, for an artifact trained with --classifier-dir (it must be the same encoder)' },
  cfModelDir: { default: '', doc: 'checkpoint directory of the counterfactual model (loaded by the backbone plugin), for an artifact trained with --cf-model-dir (the same weights)' },
};
