/**
 * `@crossedit/backbone-tiny`: the embedded bilingual (English/Chinese) LLaMA-architecture default backbone,
 * trained by crossedit's own code on the Bi-ZsRE / MzsRE training facts; weights and tokenizer ship in
 * `assets/`. Also the pieces that made it: the corpus builder, the BPE tokenizer trainer and `train()`
 * (what `crossedit train` runs).
 *
 * @packageDocumentation
 */
import { tiny } from './backbone.js';

export { tiny } from './backbone.js';
export { packageDir, assetsDir, cacheDir, sharedDir, hasSharedData } from './paths.js';
export { buildCorpus, writeCorpus, readCorpus, tokenizerTexts, qaText, CORPUS_INPUTS, CORPUS_FILES, type Corpus, type Fact, type ExtraLine, type BuildCorpusOptions } from './corpus/build.js';
export { readPairs, readDevSet, readTestSet, readTrainRecords, type QA, type DevRecord, type TestSide, type TrainRecord } from './corpus/read.js';
export { trainBpe, SPECIAL_TOKENS, type TrainBpeOptions, type TokenizerJson } from './tokenizer/train-bpe.js';
export { loadHfEncoder, type HfSpecials } from './tokenizer/encode.js';
export { hfLlamaConfig } from './hf-config.js';
export { DEFAULT_TRAIN_CONFIG, STUDY_RUNS, TINY_MODEL, learningRate, withOverrides, type TrainConfig, type TrainOverrides } from './train/config.js';
export { prepareData, BatchSchedule, collate, shuffled, type Seq, type TrainData, type EncodeFn, type SeqSpecials } from './train/data.js';
export { initWeights } from './train/init.js';
export { trainableRefs, trainableNames } from './train/params.js';
export { Trainer, type StepRecord } from './train/trainer.js';
export { evaluateSeqs, type SeqEval } from './train/evaluate.js';
export { saveCheckpoint, loadCheckpoint, latestCheckpoint, type CheckpointState, type EvalRecord, type LoadedCheckpoint } from './train/checkpoint.js';
export { train, evaluateRun, exportModel, publishExport, EXPORT_FILES, type TrainOptions, type TrainResult } from './train/run.js';
export { StepProgress, fmtSeconds } from './train/progress.js';

export default tiny;
