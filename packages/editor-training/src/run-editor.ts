/** The part of a trained editor's training run that MEND and SERAC share: its options and the loop call. */
import type { LanguageModel, Tokenizer } from '@crossedit/core';
import type { DataSource } from './artifact.js';
import type { EditExample } from './data.js';
import { trainLoop, type EditorTrainer, type LoopConfig, type TrainLoopOptions, type TrainLoopResult } from './loop.js';
import { rotateTargets } from './targets.js';

/**
 * Options of a trained editor's training function (`trainMend`, `trainSerac`): the base model, the data
 * and where the run and the artifact go. `C` is the method's training configuration (recorded in the
 * artifact).
 */
export interface TrainEditorOptions<C> extends Pick<TrainLoopOptions, 'train' | 'validation' | 'resume' | 'stopAfter' | 'signal' | 'onProgress' | 'log'> {
  model: LanguageModel;
  tokenizer: Tokenizer;
  backbone: string;
  config: C;
  sources: DataSource[];
  /** The run's folder (checkpoint, curves). */
  runDir: string;
  /** Where the finished artifact is written. */
  outDir: string;
}

/**
 * Runs {@link trainLoop} for an editor: the run options of `o`, the method's `loop` configuration and
 * `trainer`, and the training and validation examples with their targets rotated
 * ({@link rotateTargets}) when the method trains on counterfactual targets.
 */
export function runEditorLoop(o: TrainEditorOptions<unknown>, trainer: EditorTrainer, loop: LoopConfig, counterfactualTargets: boolean): Promise<TrainLoopResult> {
  const targets = (rows: readonly EditExample[]): readonly EditExample[] => (counterfactualTargets ? rotateTargets(rows) : rows);
  return trainLoop({
    runDir: o.runDir,
    config: loop,
    train: targets(o.train),
    validation: targets(o.validation),
    trainer,
    resume: o.resume,
    stopAfter: o.stopAfter,
    signal: o.signal,
    onProgress: o.onProgress,
    log: o.log,
  });
}
