/** `trainMend`: the whole training run behind `crossedit train-editor --method mend`. */
import type { ModelConfig } from '@crossedit/core';
import { baseWeightsHash, runEditorLoop, trainingRecord, type LoopConfig, type TrainEditorOptions, type TrainLoopResult } from '@crossedit/editor-training';
import { writeMendArtifact } from './artifact.js';
import { MendEditor, type MendArch } from './editor.js';
import { lastLayers, MLP_KINDS } from './matrices.js';
import { MendTrainer, type MendOptim } from './trainer.js';

/** Everything a MEND training run is configured by (recorded in the artifact). */
export interface MendTrainConfig {
  arch: MendArch;
  optim: MendOptim;
  loop: LoopConfig;
}

/**
 * Defaults for a backbone: the reference's architecture scaled to the model (the last three layers'
 * gate/up/down, rank ≈ width / 8), counterfactual (rotated) targets — the embedded model knows its
 * training facts, so their own answers would leave nothing to edit — and a schedule short enough for
 * small models: the reference's accumulation (10), lr 3e-4 (1e-3 and above made the networks' output, and the
 * update, grow without bound on the embedded model; 3e-4 gave the best held-out edit accuracy of the
 * learning rates tried), 3,000 iterations. The reference's 7B schedule is `lr 1e-6, lrLr 1e-4, accumulate 10,
 * maxIters 100000, valEvery 1000, patience 30000`.
 */
export function defaultMendConfig(config: ModelConfig, over: { seed?: number; maxIters?: number } = {}): MendTrainConfig {
  const width = config.hiddenSize + config.intermediateSize;
  return {
    arch: { layers: lastLayers(config.numLayers), kinds: [...MLP_KINDS], rank: Math.max(8, Math.min(1920, Math.round(width / 8))), depth: 2, editLr: 1e-4, norm: true, seed: over.seed ?? 42 },
    optim: { lr: 3e-4, lrLr: 1e-3, cEdit: 0.1, cLoc: 1.0, counterfactualTargets: true },
    loop: { seed: over.seed ?? 42, maxIters: over.maxIters ?? 3000, batchSize: 1, accumulate: 10, gradClip: 100, valEvery: 20, valCount: 40, patience: 100, checkpointEvery: 10 },
  };
}

/** Options of {@link trainMend}. */
export type TrainMendOptions = TrainEditorOptions<MendTrainConfig>;

/** Trains (or resumes) MEND; when finished writes the artifact and returns its path. */
export async function trainMend(o: TrainMendOptions): Promise<{ result: TrainLoopResult; artifact: string | null }> {
  const weightsHash = await baseWeightsHash(o.model);
  const editor = new MendEditor(o.model.config, o.config.arch, o.model.backend);
  const trainer = new MendTrainer(o.model, o.tokenizer, editor, o.config.optim);
  const t0 = Date.now();
  try {
    const result = await runEditorLoop(o, trainer, o.config.loop, o.config.optim.counterfactualTargets);
    if (!result.finished || !result.params) return { result, artifact: null };
    const artifact = await writeMendArtifact(
      o.outDir,
      {
        backbone: o.backbone,
        weightsHash,
        sources: o.sources,
        arch: o.config.arch,
        hparams: { optim: o.config.optim, loop: o.config.loop },
        training: trainingRecord(result.state, t0, o.model.backend.name),
      },
      result.params,
    );
    return { result, artifact };
  } finally {
    trainer.dispose();
    editor.dispose();
  }
}
