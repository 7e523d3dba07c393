/** MEND's edit-time hyperparameters (the training ones live in the artifact's header). */
import type { HparamSchema } from '@crossedit/core';

/** What `apply` reads. */
export interface MendHparams {
  /** An artifact file; empty: search `artifactDir`, then `<cacheDir>/editors`, then the shipped assets. */
  artifact: string;
  /** A directory of artifacts searched first. */
  artifactDir: string;
  /** Multiplies the update at edit time (`lr_scale`, 1.0 in the reference). */
  lrScale: number;
}

/** The schema with the reference's defaults. */
export const MEND_HPARAMS: HparamSchema<MendHparams> = {
  artifact: { default: '', doc: 'trained MEND artifact (a .safetensors file from `crossedit train-editor --method mend`); empty: look it up by the model weights hash' },
  artifactDir: { default: '', doc: 'directory searched for artifacts before <cache-dir>/editors and the shipped assets' },
  lrScale: { default: 1.0, doc: 'multiplier of the update at edit time (lr_scale)', check: (v) => (Number.isFinite(v) ? null : 'must be finite') },
};
