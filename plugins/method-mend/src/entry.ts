/** MEND's `train` entry point (what `crossedit train-editor --method mend` calls). */
import type { TrainArtifactOptions, TrainArtifactResult } from '@crossedit/core';
import { mergeConfig, readTrainingData, trainResult } from '@crossedit/editor-training';
import { defaultMendConfig, trainMend } from './train.js';

/** Reads the data, merges the overrides into {@link defaultMendConfig}, trains and writes the artifact. */
export async function mendTrain(o: TrainArtifactOptions): Promise<TrainArtifactResult> {
  const data = readTrainingData(o);
  const config = mergeConfig(defaultMendConfig(o.model.config, { seed: o.seed }), o.overrides);
  const r = await trainMend({ ...o, backbone: o.backbone.id, config, ...data });
  return trainResult(r.result, r.artifact, data.train.length);
}
