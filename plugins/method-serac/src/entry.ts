/** SERAC's `train` entry point (what `crossedit train-editor --method serac` calls). */
import type { TrainArtifactOptions, TrainArtifactResult } from '@crossedit/core';
import { mergeConfig, readTrainingData, trainResult } from '@crossedit/editor-training';
import { defaultSeracConfig, trainSerac } from './train.js';

/** Reads the data, merges the overrides into {@link defaultSeracConfig}, trains and writes the artifact. */
export async function seracTrain(o: TrainArtifactOptions): Promise<TrainArtifactResult> {
  const data = readTrainingData(o);
  const config = mergeConfig(defaultSeracConfig(o.model.config, { seed: o.seed }), o.overrides);
  const r = await trainSerac({ ...o, backbone: o.backbone.id, config, ...data });
  return trainResult(r.result, r.artifact, data.train.length);
}
