/** `trainSerac`: the whole training run behind `crossedit train-editor --method serac`. */
import { existsSync } from 'node:fs';
import path, { join } from 'node:path';
import type { ModelConfig } from '@crossedit/core';
import { baseWeightsHash, runEditorLoop, trainingRecord, type LoopConfig, type TrainEditorOptions, type TrainLoopResult } from '@crossedit/editor-training';
import { writeSeracArtifact } from './artifact.js';
import { BertClassifier } from './bert-classifier.js';
import { BagClassifier, type AnyClassifierArch, type ClassifierArch, type ScopeClassifier } from './classifier.js';
import { loadClassifierDir, loadCounterfactualDir, type CheckpointLoader } from './sources.js';
import { Counterfactual, type CounterfactualArch } from './counterfactual.js';
import { trainScope, type ScopeSchedule } from './scope.js';
import { SeracTrainer, type SeracOptim } from './trainer.js';

/** Everything a SERAC training run is configured by (recorded in the artifact). */
export interface SeracTrainConfig {
  /** The embedded bag classifier (used unless `classifierDir` is set). */
  classifier: ClassifierArch;
  /**
   * A BERT-family encoder directory (`--classifier-dir`): the classifier is then that encoder (frozen)
   * and a learned projection of its [CLS] state, recorded with the directory's content hash.
   */
  classifierDir: string | null;
  /** A checkpoint directory (loaded by the host's backbone plugin) (`--cf-model-dir`) the counterfactual model is built on (null: the base model). */
  cfModelDir: string | null;
  counterfactual: CounterfactualArch;
  optim: SeracOptim;
  /**
   * The classifier-only phase before end-to-end training (`trainScope`: the scope BCE with in-batch
   * negatives, no language-model pass; `iters: 0` skips it). Absent in serac@2 configs.
   */
  scope?: Omit<ScopeSchedule, 'seed'>;
  loop: LoopConfig;
}

/**
 * Defaults for a backbone: the bag classifier (attention pooling) at the model's width, first trained
 * alone for 1,000 iterations of 32 examples; the backbone frozen with a copy head
 * as the counterfactual model; the reference's mixture loss weights plus the original SERAC's component
 * losses; counterfactual (rotated) targets; the rephrase as a second edit input; and a schedule short
 * enough for small models. The reference's 7B schedule is `lr 1e-5, batch 10, accumulate 10, maxIters
 * 100000, valEvery 1000, patience 30000` (and `cCf = cCls = 0`, real targets, no rephrase).
 */
export function defaultSeracConfig(config: ModelConfig, over: { seed?: number; maxIters?: number } = {}): SeracTrainConfig {
  return {
    classifier: { kind: 'bag', width: config.hiddenSize, projInit: 4, pool: 'attn' },
    classifierDir: null,
    cfModelDir: null,
    counterfactual: { train: 'head', copyHead: { width: config.hiddenSize }, source: null },
    optim: { lr: 3e-3, cEdit: 0.1, cLoc: 1.0, rephrase: true, cCf: 1.0, cCls: 1.0, counterfactualTargets: true },
    scope: { iters: 1000, batchSize: 32, lr: 1e-2 },
    loop: { seed: over.seed ?? 42, maxIters: over.maxIters ?? 600, batchSize: 8, accumulate: 1, gradClip: 100, valEvery: 50, valCount: 20, patience: 0, checkpointEvery: 25 },
  };
}

/** Options of {@link trainSerac}. */
export type TrainSeracOptions = TrainEditorOptions<SeracTrainConfig> & {
  /** Loads `config.cfModelDir` (the host's `TrainArtifactOptions.loadCheckpoint`). */
  loadCheckpoint?: CheckpointLoader;
};

/** Trains (or resumes) SERAC; when finished writes the artifact and returns its path. */
export async function trainSerac(o: TrainSeracOptions): Promise<{ result: TrainLoopResult; artifact: string | null }> {
  const weightsHash = await baseWeightsHash(o.model);
  let classifierArch: AnyClassifierArch = o.config.classifier;
  let cls: ScopeClassifier;
  if (o.config.classifierDir) {
    const enc = await loadClassifierDir(o.config.classifierDir, o.model.backend);
    classifierArch = { kind: 'bert', width: enc.dim, projInit: 1, source: { dir: path.resolve(o.config.classifierDir), sha256: enc.loaded.sha256 } };
    cls = new BertClassifier(enc, classifierArch, o.tokenizer, o.model.backend);
  } else cls = new BagClassifier(o.model.weight({ kind: 'embed' }), o.config.classifier, o.model.backend);
  let cfArch = o.config.counterfactual;
  let cfBackbone = o.model;
  if (o.config.cfModelDir) {
    const c = await loadCounterfactualDir(o.config.cfModelDir, o.model, o.loadCheckpoint);
    cfBackbone = c.model;
    cfArch = { ...cfArch, source: c.source };
  }
  const cf = new Counterfactual(cfBackbone, cfArch);
  const trainer = new SeracTrainer(o.model, o.tokenizer, cls, cf, o.config.optim);
  const t0 = Date.now();
  try {
    // the classifier-only phase runs before the first end-to-end iteration; a resumed run restores the
    // classifier from its checkpoint instead
    const resuming = (o.resume ?? true) && existsSync(join(o.runDir, 'checkpoint.safetensors'));
    if (o.config.scope && o.config.scope.iters > 0 && !resuming) {
      const train = o.train;
      await trainScope(cls, o.tokenizer, train, { ...o.config.scope, seed: o.config.loop.seed }, {
        counterfactualTargets: o.config.optim.counterfactualTargets,
        onProgress: (iter, loss) => o.log?.(`serac classifier phase: iteration ${iter}/${o.config.scope!.iters}, scope loss ${loss.toFixed(4)}`),
      });
    }
    const result = await runEditorLoop(o, trainer, o.config.loop, o.config.optim.counterfactualTargets);
    if (!result.finished || !result.params) return { result, artifact: null };
    const artifact = await writeSeracArtifact(
      o.outDir,
      {
        backbone: o.backbone,
        weightsHash,
        sources: o.sources,
        classifier: classifierArch,
        counterfactual: cfArch,
        hparams: { optim: o.config.optim, ...(o.config.scope ? { scope: o.config.scope } : {}), loop: o.config.loop },
        training: trainingRecord(result.state, t0, o.model.backend.name),
      },
      result.params,
    );
    return { result, artifact };
  } finally {
    trainer.dispose();
    cls.dispose();
    cf.dispose();
  }
}
