/** The training configuration of the tiny backbone: architecture, data mix, optimizer, schedule. */
import type { ModelConfig } from '@crossedit/core';

/** Everything that determines a training run (two runs with equal configs and corpora are the same run). */
export interface TrainConfig {
  /** The architecture (vocabSize must equal the tokenizer's). */
  model: ModelConfig;
  /** Seed of the initial weights and of the batch order. */
  seed: number;
  /** How the corpus is built from the shared data (see `buildCorpus`): its held-out split. */
  corpus: { seed: number; heldOut: number };
  /** Number of training facts: the first `facts` of the corpus's training facts (by line number). */
  facts: number;
  /** Other corpus lines (dev QA, test questions and paraphrases, locality pairs) mixed into every epoch. */
  extraLines: number;
  /** Also train on `en question en answer zh question zh answer` lines, so the two languages are aligned. */
  pairedLines: boolean;
  /** Also train on `en rephrase en answer` lines (the ZsRE training record's rephrase of the question). */
  rephraseLines?: boolean;
  /** Also train on `subject answer` lines (English), so the answer is predicted at the subject's last token. */
  statementLines?: boolean;
  /**
   * Also train on English `subject answer` lines of this many further facts (the corpus facts after the
   * first `facts`), with no question lines: their answers widen the set of answers the model produces (so
   * that an edit target is more often made of tokens it was trained to output). Not scored; default 0.
   */
  statementOnlyFacts?: number;
  /**
   * Also train on English `subject: question answer` lines with the subject in the question replaced by
   * "it" (the subject first, then the relation; trained facts whose question contains their subject).
   */
  subjectFirstLines?: boolean;
  /**
   * The prompt of a statement line, `{}` standing for the subject (`'{}?'`: `subject? answer`, the subject
   * followed by what follows it in a question that ends with it); default `'{}'`.
   */
  statementTemplate?: string;
  /**
   * The first this many `statementOnlyFacts` also get an English `question answer` line ("mixed training":
   * questions answered for some of the facts known from statements, so that a question learns to read the
   * answer stored at its subject; the remaining statement-only facts measure whether it does). Not scored
   * for accuracy; default 0.
   */
  statementQaFacts?: number;
  /**
   * The `statementOnlyFacts` statement lines appear this many times an epoch (their `statementQaFacts`
   * question lines once), so that the statements are memorised while each question is seen too rarely to be
   * memorised on its own; default 1.
   */
  statementRepeats?: number;
  /**
   * Lines of the trained facts (question-answer lines in both languages, rephrases, statements) appear this
   * many times an epoch, so that many `statementOnlyFacts` lines can be seen a few times while the trained
   * facts are seen often; default 1.
   */
  factRepeats?: number;
  /**
   * Also train on `answer? answer` copy lines for the distinct English answers of this many corpus facts
   * (from the first): with the subject bottleneck, the copy after `?` can read the first answer only
   * through its last token, so the network learns to write a whole answer into one position and to spell
   * it back from there (the read-out that an edit at the subject's last token relies on). Default 0.
   */
  copyLines?: number;
  /**
   * Per trained fact, this many further English `question answer` lines, each after a context prefix: the
   * first 1-9 words of another trained fact's question, then `. ` (the shape of the context templates
   * ROME and MEMIT put before an edited prompt, `"<generated text>. {}"`), drawn with the seed. Default 0.
   */
  prefixedLines?: number;
  /**
   * Also train on every corpus line of these kinds (and, with `extraLangs`, these languages) as plain LM
   * lines, in corpus order: e.g. `['loc']` for the locality pairs (`question answer` of unrelated
   * questions, never an edit target), so the model answers them with confidence. Default none.
   */
  extraKinds?: ('dev-qa' | 'dev-rephrase' | 'test-question' | 'test-rephrase' | 'loc')[];
  /** The languages of `extraKinds` lines (default both). */
  extraLangs?: ('en' | 'zh')[];
  /** With `copyLines`, also copy the subjects of those facts (more distinct strings to learn the read-out on). */
  copySubjects?: boolean;
  /**
   * With `copyLines`, also copy the real-world answers of those facts' ZsRE records (`Fact.trueAnswer`:
   * more names to learn to spell; never put after a question). Default false.
   */
  copyTrueAnswers?: boolean;
  /**
   * Also train on English `question answer` lines of the locality pairs of this many corpus facts' ZsRE
   * training records (from the first; `Fact.loc`: Natural Questions questions with their answers, none that
   * an evaluation asks), so that questions of the kind Bi-ZsRE's locality items ask are language the model
   * has learned to continue, not text it can only guess at. Default 0.
   */
  locLines?: number;
  /**
   * The subject bottleneck, a training-time attention mask (the model at inference is a plain LLaMA): on
   * a line whose prompt holds its subject (`Seq.subject = [f, l]`), drawn per line and step with
   * `probability` (default 1), the positions after the subject's last token `l` may not attend to the
   * subject's other tokens `f..l-1`, so what they learn of the subject passes through its last token;
   * with `layer` ≥ 0 (default -1: none) they may not attend to `l` either at layers `0..layer`, so all they
   * read of the subject is what layer `layer` wrote at `l` (the value ROME's v* replaces at that layer).
   * Applied for the steps before `until · steps` (default 1: all), so the last steps can adapt to plain
   * attention. The draws depend on the seed and the step only, so a resumed run replays them.
   */
  subjectBottleneck?: { probability?: number; until?: number; layer?: number };
  /**
   * Interchange-intervention training (Geiger et al., 2022) at the subject's last token: each step also
   * draws `rows` (default 8) pairs of lines that ask the same relation (same prompt with the subject cut
   * out), puts one line's `mlp.down` output of layer `layer` (default 1) at its subject's last token into
   * the other's prompt there, and adds `weight` × the cross-entropy of the first line's answer. It teaches
   * the network to read the subject's facts from that one vector, the value ROME's v* replaces. For the
   * steps before `until · steps` (default 1: all); the draws depend on the seed and the step only. With
   * `copy = p` (default 0), a pair is with probability p a copy line's value (`X? X`) put into any
   * question, which must then answer X: the value at that one position can spell any string it holds.
   * With `compose = q` (default 0), a copy line drawn as a source is with probability q replaced by a new
   * one, `X₁ X₂? X₁ X₂`, the strings of 2 or 3 random copy lines joined (at most 16 tokens): the read-out
   * then learns to spell compositions of known pieces, not only the strings it saw.
   */
  interchange?: { weight: number; rows?: number; layer?: number; until?: number; copy?: number; compose?: number };
  /**
   * Adds `weight` × the mean squared cosine between the MLP keys (`mlp.down` inputs) of layer `layer`
   * (default 1) at all real tokens of the batch (`‖K̂ᵀK̂/N‖²_F`), so that a rank-one update keyed on one
   * subject reaches less into other prompts (ROME's locality).
   */
  keyDecorrelation?: { weight: number; layer?: number };
  /** Hold out the rephrase of every n-th training fact (positions n-1, 2n-1, …) and score it; 0 for none. */
  heldOutRephraseEvery?: number;
  /** Weight of the question tokens in the loss of a question-answer line (answer and EOS weigh 1); default 1. */
  promptLossWeight?: number;
  /** Label smoothing of the training loss (the target distribution is `(1 - ε)·onehot + ε·uniform`); default 0. */
  labelSmoothing?: number;
  /** Optimizer steps. */
  steps: number;
  /** Sequences per step. */
  batchSize: number;
  /** Longest sequence in tokens (BOS and EOS included); longer lines are left out. */
  maxLen: number;
  /** Peak learning rate (Adam). */
  lr: number;
  /** Final learning rate of the cosine decay. */
  minLr: number;
  /** Linear warm-up steps. */
  warmupSteps: number;
  /** Decoupled weight decay (AdamW); 0 for plain Adam. */
  weightDecay: number;
  /** Global gradient-norm clip. */
  gradClip: number;
  /** Evaluate (teacher-forced accuracy, held-out loss) every this many steps (and at the end). */
  evalEvery: number;
  /** Write a resumable checkpoint every this many steps (and at the end); 0 for none. */
  checkpointEvery: number;
  /** Training facts scored for teacher-forced accuracy (the first ones; 0 for all). */
  evalFacts: number;
  /** Held-out facts whose loss is measured (the first ones; 0 for all). */
  heldOutFacts: number;
}

/** The architecture of the shipped model: LLaMA with 6 layers, hidden size 96, 4 heads, SwiGLU MLP 256, tied embeddings. */
export const TINY_MODEL: ModelConfig = {
  vocabSize: 6144,
  hiddenSize: 96,
  intermediateSize: 256,
  numLayers: 6,
  numHeads: 4,
  numKvHeads: 4,
  rmsNormEps: 1e-5,
  ropeBase: 10000,
  maxPositions: 256,
  tieEmbeddings: true,
};

/**
 * The configuration the shipped weights were trained with: the study's `b9` (README, "Session 6" and
 * "Session 7"): 200 facts in both languages with their rephrases (every fifth held out), statements of 600
 * more facts, `answer? answer` copy lines, 3 context-prefixed copies of each question, and the subject
 * bottleneck gated at layer 1 for the first three quarters of the 10,656 steps (24 epochs).
 */
export const DEFAULT_TRAIN_CONFIG: TrainConfig = {
  model: TINY_MODEL,
  seed: 20240607,
  corpus: { seed: 1234, heldOut: 500 },
  facts: 200,
  extraLines: 0,
  pairedLines: false,
  steps: 10656,
  batchSize: 16,
  maxLen: 96,
  lr: 0.003,
  minLr: 0.0003,
  warmupSteps: 30,
  weightDecay: 0.05,
  gradClip: 1,
  evalEvery: 888,
  checkpointEvery: 222,
  evalFacts: 0,
  heldOutFacts: 64,
  rephraseLines: true,
  heldOutRephraseEvery: 5,
  statementLines: true,
  promptLossWeight: 0.25,
  statementOnlyFacts: 600,
  statementQaFacts: 400,
  statementTemplate: '{}?',
  subjectFirstLines: true,
  copyLines: 9446,
  prefixedLines: 3,
  subjectBottleneck: { layer: 1, until: 0.75 },
};

/**
 * The first shipped model (sessions 1-6; 594k parameters, 4 layers, hidden 64, MLP 176): 96 facts and 64
 * other corpus lines, 1,400 steps at lr 1e-2. Kept so that the study's early rows can be repeated; the study
 * runs below are written as overrides of this config.
 */
const FIRST_MODEL: TrainConfig = {
  model: { ...TINY_MODEL, hiddenSize: 64, intermediateSize: 176, numLayers: 4 },
  seed: 20240607,
  corpus: { seed: 1234, heldOut: 500 },
  facts: 96,
  extraLines: 64,
  pairedLines: false,
  steps: 1400,
  batchSize: 8,
  maxLen: 96,
  lr: 1e-2,
  minLr: 1e-3,
  warmupSteps: 20,
  weightDecay: 0,
  gradClip: 1,
  evalEvery: 250,
  checkpointEvery: 50,
  evalFacts: 0,
  heldOutFacts: 64,
};

/** `v5-statements-wide`: 6 layers, statement lines and 600 statement-only facts (the base of `v6-lr3e-3`). */
const V5_STATEMENTS_WIDE: TrainOverrides = {
  model: { hiddenSize: 96, intermediateSize: 256, numLayers: 6 },
  facts: 200,
  statementOnlyFacts: 600,
  extraLines: 0,
  rephraseLines: true,
  heldOutRephraseEvery: 5,
  statementLines: true,
  promptLossWeight: 0.25,
  steps: 2800,
  batchSize: 16,
  lr: 8e-3,
  minLr: 8e-4,
  warmupSteps: 30,
  weightDecay: 0.05,
  evalEvery: 400,
  checkpointEvery: 200,
};

/** `b22`: `b9`'s data on hidden 160 / MLP 512 (3.07M parameters), key decorrelation and interchange training at layer 1. */
const B22: TrainConfig = withOverrides(DEFAULT_TRAIN_CONFIG, {
  model: { hiddenSize: 160, intermediateSize: 512 },
  interchange: { weight: 1, rows: 8, layer: 1, copy: 0.5 },
  keyDecorrelation: { weight: 1, layer: 1 },
});

/** `b27`: `b22` with copy lines of the records' real-world answers (10,816 lines, 676 steps an epoch) and composed copy sources. */
const B27: TrainConfig = { ...B22, copyTrueAnswers: true, steps: 24 * 676, evalEvery: 2 * 676, interchange: { ...B22.interchange!, compose: 0.5 } };

/** `b29`: `b27` with the key-decorrelation weight at 6. */
const B29: TrainConfig = { ...B27, keyDecorrelation: { weight: 6, layer: 1 } };

/**
 * The runs of the embedded-model study (README, "The study"), as whole configs: `crossedit train --study
 * NAME` repeats one (`--set` then overrides fields of it). `first-model`: the model shipped until session 6. `v3-rephrases`: 1.18M parameters, 200 facts
 * with their English rephrases (every fifth held out); `v4-statements`: the same on 96 facts, plus an English
 * `subject answer` line per fact; `v5-statements-wide`: 6 layers (1.25M), 200 facts with rephrases and
 * statements plus statement lines of 600 further facts, AdamW (decay 0.05) at lr 8e-3; `v6-lr3e-3`: the same
 * data at lr 3e-3 for 20 epochs (residual norms ~60 instead of ~500, memorised in half the steps).
 */
export const STUDY_RUNS: Readonly<Record<string, TrainConfig>> = {
  'first-model': FIRST_MODEL,
  'v3-rephrases': withOverrides(FIRST_MODEL, {
    model: { hiddenSize: 96, intermediateSize: 384 },
    facts: 200,
    extraLines: 0,
    rephraseLines: true,
    heldOutRephraseEvery: 5,
    promptLossWeight: 0.25,
    steps: 1050,
    batchSize: 16,
    lr: 8e-3,
    minLr: 8e-4,
    warmupSteps: 30,
    evalEvery: 150,
    checkpointEvery: 150,
  }),
  'v4-statements': withOverrides(FIRST_MODEL, {
    model: { hiddenSize: 96, intermediateSize: 384 },
    facts: 96,
    extraLines: 0,
    rephraseLines: true,
    heldOutRephraseEvery: 5,
    statementLines: true,
    promptLossWeight: 0.25,
    steps: 650,
    batchSize: 16,
    lr: 8e-3,
    minLr: 8e-4,
    warmupSteps: 30,
    evalEvery: 130,
    checkpointEvery: 130,
  }),
  'v5-statements-wide': withOverrides(FIRST_MODEL, V5_STATEMENTS_WIDE),
  // v5's model and data, at the learning rate that keeps the residual stream small
  'v6-lr3e-3': withOverrides(FIRST_MODEL, { ...V5_STATEMENTS_WIDE, steps: 1700, lr: 3e-3, minLr: 3e-4, evalEvery: 425, checkpointEvery: 425 }),
  /** Session 6's best scout (`b9` in the README's study; 24 epochs of 444 steps; ~2.35M predicted tokens): the shipped model since session 7. */
  'b9-gated-copy-prefixed': DEFAULT_TRAIN_CONFIG,
  /**
   * Session 8's best scout (`b22`): `b9`'s data on hidden 160 / MLP 512 (3.07M parameters), with key
   * decorrelation and interchange training (copy pairs half the time) at layer 1.
   */
  'b22-h160-keydecor1-iit-copy': B22,
  /** Session 9's best scout (`b25`): `b22` with half of the copy sources composed of 2-3 copy strings. */
  'b25-b22-compose': { ...B22, interchange: { ...B22.interchange!, compose: 0.5 } },
  /** Session 9: `b22` with the real-world answers as copy strings (`b24`) and composed copy sources (`b25`). */
  'b27-b24-compose': B27,
  /** Session 9's best scout (`b28`): `b27` with the key-decorrelation weight at 3. */
  'b28-b27-keydecor3': { ...B27, keyDecorrelation: { weight: 3, layer: 1 } },
  /** Session 10's best scout on 200 records (`b29`): `b27` with the key-decorrelation weight at 6. */
  'b29-b28-keydecor6': B29,
  /** Session 10: `b27` with the key-decorrelation weight at 10 (locality fell). */
  'b30-b28-keydecor10': { ...B27, keyDecorrelation: { weight: 10, layer: 1 } },
  /**
   * Session 11 (`b33`): `b29` with 2,000 Natural Questions locality pairs of the training records as
   * `question answer` lines (24 epochs of 800 steps).
   */
  'b33-b29-loc2000': { ...B29, locLines: 2000, steps: 24 * 800, evalEvery: 2 * 800 },
};

/** The learning rate at a (0-based) step: linear warm-up, then cosine decay to `minLr`. */
export function learningRate(cfg: Pick<TrainConfig, 'lr' | 'minLr' | 'warmupSteps' | 'steps'>, step: number): number {
  if (step < cfg.warmupSteps) return (cfg.lr * (step + 1)) / cfg.warmupSteps;
  const span = Math.max(1, cfg.steps - cfg.warmupSteps);
  const t = Math.min(1, (step - cfg.warmupSteps) / span);
  return cfg.minLr + 0.5 * (cfg.lr - cfg.minLr) * (1 + Math.cos(Math.PI * t));
}

/** Partial settings over a {@link TrainConfig} (the model and corpus fields may be given one by one). */
export type TrainOverrides = Partial<Omit<TrainConfig, 'model' | 'corpus'>> & { model?: Partial<ModelConfig>; corpus?: Partial<TrainConfig['corpus']> };

/** Merges overrides into a config (the model config is merged field by field). */
export function withOverrides(base: TrainConfig, over: TrainOverrides = {}): TrainConfig {
  return { ...base, ...over, model: { ...base.model, ...(over.model ?? {}) }, corpus: { ...base.corpus, ...(over.corpus ?? {}) } };
}
