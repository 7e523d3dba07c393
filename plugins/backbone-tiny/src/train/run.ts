/**
 * `train()`: the whole training run behind `crossedit train` — corpus, tokenized data, model, optimizer
 * steps with a progress bar, periodic evaluation, loss curves (CSV and JSON), resumable checkpoints, and
 * the final export (f16 safetensors, HF config.json, tokenizer.json, training.json).
 */
import { appendFileSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Backend } from '@crossedit/core';
import { LlamaModel, writeSafetensors } from '@crossedit/transformer';
import { buildCorpus } from '../corpus/build.js';
import { hfLlamaConfig } from '../hf-config.js';
import { assetsDir, sharedDir } from '../paths.js';
import { loadHfEncoder } from '../tokenizer/encode.js';
import { latestCheckpoint, loadCheckpoint, saveCheckpoint, type CheckpointState, type EvalRecord } from './checkpoint.js';
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from './config.js';
import { prepareData, type TrainData } from './data.js';
import { evaluateSeqs } from './evaluate.js';
import { initWeights } from './init.js';
import { trainableRefs } from './params.js';
import { StepProgress, fmtSeconds } from './progress.js';
import { Trainer } from './trainer.js';

/** Options of {@link train}. */
export interface TrainOptions {
  /** The run's folder: config.json, losses.csv, evals.csv, curve.json, checkpoints/, final/. */
  runDir: string;
  /** Where to compute. */
  backend: Backend;
  /** Default {@link DEFAULT_TRAIN_CONFIG}. */
  config?: TrainConfig;
  /** Default the shipped `assets/tokenizer.json`. */
  tokenizerPath?: string;
  /** The shared data folder (default `$CROSSEDIT_SHARED` or `../shared`). */
  shared?: string;
  /** Continue from the run's latest checkpoint when there is one (default true). */
  resume?: boolean;
  /** Stop after this many steps of this session (a checkpoint is written there; the run can be resumed later). */
  stopAfter?: number;
  /**
   * Stop early when aborted: the step in flight finishes, a checkpoint of it is written and the run can be
   * resumed from there with no step lost (`crossedit train` aborts on SIGINT, SIGTERM and SIGHUP).
   */
  signal?: AbortSignal;
  /** Draw a progress bar on stderr (default true). */
  progress?: boolean;
  /** Where log lines go (default stderr). */
  log?: (line: string) => void;
}

/** What {@link train} returns. */
export interface TrainResult {
  /** The run's state after this session (all steps and evaluations so far). */
  state: CheckpointState;
  /** Whether all `config.steps` are done. */
  finished: boolean;
  /** Whether `signal` stopped this session before `stopAfter` or the end. */
  interrupted: boolean;
  /** The exported model folder when finished. */
  finalDir: string | null;
  /** Size of the training data. */
  data: { lines: number; tokensPerEpoch: number; facts: number; stepsPerEpoch: number };
}

/** The files of a finished run's export (what ships in `assets/`). */
export const EXPORT_FILES = ['model.safetensors', 'config.json', 'tokenizer.json', 'training.json'] as const;

/**
 * Trains (or resumes training) the tiny backbone. Deterministic for a config: the initial weights and the
 * batch order come from `config.seed`, and resuming replays the same batches.
 *
 * @example
 * ```ts
 * const res = await train({ runDir: '.cache/runs/main', backend: createCpuBackend() });
 * console.log(res.state.evals.at(-1)); // { step: 1400, accEn: ..., accZh: ..., heldOutLoss: ... }
 * ```
 */
export async function train(opts: TrainOptions): Promise<TrainResult> {
  const cfg = opts.config ?? DEFAULT_TRAIN_CONFIG;
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const runDir = path.resolve(opts.runDir);
  const ckptDir = path.join(runDir, 'checkpoints');
  mkdirSync(ckptDir, { recursive: true });
  const tokPath = opts.tokenizerPath ?? path.join(assetsDir, 'tokenizer.json');

  const cfgFile = path.join(runDir, 'config.json');
  const resume = opts.resume ?? true;
  const ckpt = resume ? latestCheckpoint(ckptDir) : null;
  if (ckpt && existsSync(cfgFile) && readFileSync(cfgFile, 'utf8') !== JSON.stringify(cfg, null, 2) + '\n') {
    throw new Error(`${cfgFile}: the run was started with another config; use a new run folder or resume: false`);
  }
  writeFileSync(cfgFile, JSON.stringify(cfg, null, 2) + '\n');

  const enc = loadHfEncoder(tokPath);
  if (enc.vocabSize !== cfg.model.vocabSize) throw new Error(`${tokPath}: ${enc.vocabSize} tokens, but the model config has vocabSize ${cfg.model.vocabSize}`);
  const corpus = buildCorpus(opts.shared ?? sharedDir(), cfg.corpus);
  const data = await prepareData(corpus, cfg, enc.encode, enc.special);
  const tokensPerEpoch = data.train.reduce((a, s) => a + s.ids.length - 1, 0);

  const refs = trainableRefs(cfg.model);

  let state: CheckpointState = { step: 0, config: cfg, seconds: 0, steps: [], evals: [] };
  let model: LlamaModel;
  let trainer: Trainer;
  if (ckpt) {
    const loaded = await loadCheckpoint(ckpt, refs, opts.backend);
    model = new LlamaModel(cfg.model, loaded.weights, { source: ckpt });
    trainer = new Trainer(model, cfg, data.train, enc.special.pad, enc.special.eos);
    if (loaded.adam) trainer.adam.loadState(loaded.adam);
    state = loaded.state;
    trainer.nextStep = state.step;
    log(`resuming ${runDir} at step ${state.step}`);
  } else {
    model = new LlamaModel(cfg.model, initWeights(cfg.model, cfg.seed, opts.backend));
    trainer = new Trainer(model, cfg, data.train, enc.special.pad, enc.special.eos);
  }
  const stats = { lines: data.train.length, tokensPerEpoch, facts: data.factIds.length, stepsPerEpoch: trainer.schedule.stepsPerEpoch };
  log(
    `training ${cfg.steps} steps on ${opts.backend.name}: ${stats.facts} facts, ${stats.lines} lines, ${tokensPerEpoch} tokens an epoch ` +
      `(${stats.stepsPerEpoch} steps), ${countParams(model)} parameters`,
  );

  const lossCsv = path.join(runDir, 'losses.csv');
  const evalCsv = path.join(runDir, 'evals.csv');
  const rewriteCurves = (): void => {
    writeFileSync(lossCsv, 'step,lr,loss,grad_norm,tokens,seconds\n' + state.steps.map(stepRow).join(''));
    writeFileSync(evalCsv, 'step,acc_en,acc_zh,train_loss,held_out_loss,acc_rephrase_held_out\n' + state.evals.map(evalRow).join(''));
    writeFileSync(path.join(runDir, 'curve.json'), JSON.stringify({ steps: state.steps, evals: state.evals }) + '\n');
  };
  rewriteCurves();

  const bar = opts.progress === false ? null : new StepProgress('train', cfg.steps, state.step);
  const t0 = Date.now();
  const base = state.seconds;
  let session = 0;
  let savedAt = state.step;
  const checkpoint = async (): Promise<void> => {
    await saveCheckpoint(ckptDir, model, refs, trainer.adam.state(), state);
    savedAt = state.step;
    rewriteCurves();
  };
  try {
    while (trainer.nextStep < cfg.steps && (opts.stopAfter === undefined || session < opts.stopAfter)) {
      // a CPU step never gives the event loop a turn by itself: without this, signals and the CLI's parent
      // watch would only be seen at the next checkpoint write
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (opts.signal?.aborted) break;
      const rec = await trainer.step();
      session++;
      state.step = trainer.nextStep;
      state.seconds = base + (Date.now() - t0) / 1000;
      const row = { ...rec, seconds: Math.round(state.seconds * 10) / 10 };
      state.steps.push(row);
      appendFileSync(lossCsv, stepRow(row));
      const recent = state.steps.slice(-20);
      const tps = recent.reduce((a, r) => a + r.tokens, 0) / Math.max(1e-9, recent.length > 1 ? recent.at(-1)!.seconds - recent[0].seconds : state.seconds);
      bar?.update(state.step, `loss ${rec.loss.toFixed(3)} lr ${rec.lr.toExponential(1)} ${tps.toFixed(0)} tok/s`);
      const last = state.step === cfg.steps;
      if (state.step % cfg.evalEvery === 0 || last) {
        const ev = await evaluateRun(model, data, enc.special.pad, state.step);
        state.evals.push(ev);
        appendFileSync(evalCsv, evalRow(ev));
        bar?.clear();
        log(
          `step ${ev.step}: accuracy en ${ev.accEn.toFixed(3)} zh ${ev.accZh.toFixed(3)}, loss train ${ev.trainLoss.toFixed(3)} ` +
            `held-out ${ev.heldOutLoss.toFixed(3)}${ev.accRephrase === undefined ? '' : `, held-out rephrases ${ev.accRephrase.toFixed(3)}`} (${fmtSeconds(state.seconds)})`,
        );
      }
      if ((cfg.checkpointEvery > 0 && state.step % cfg.checkpointEvery === 0) || last) await checkpoint();
    }
    // stopped between checkpoints (stopAfter, signal): keep the steps of this session
    if (savedAt !== state.step) await checkpoint();
    bar?.done('', state.step);
    const finished = trainer.nextStep >= cfg.steps;
    const interrupted = !finished && opts.signal?.aborted === true;
    let finalDir: string | null = null;
    if (finished) {
      finalDir = path.join(runDir, 'final');
      await exportModel(model, finalDir, tokPath, enc.special, {
        config: cfg,
        backend: opts.backend.name,
        host: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? '?', node: process.version, platform: `${os.platform()} ${os.arch()}` },
        finishedAt: new Date().toISOString(),
        seconds: Math.round(state.seconds),
        data: stats,
        trainedFactIds: data.factIds,
        final: state.evals.at(-1) ?? null,
        steps: state.steps,
        evals: state.evals,
      });
      log(`exported ${finalDir}`);
    }
    return { state, finished, interrupted, finalDir, data: stats };
  } finally {
    trainer.dispose();
    model.dispose();
  }
}

/** Evaluates a model on a run's evaluation sets. */
export async function evaluateRun(model: LlamaModel, data: TrainData, pad: number, step: number): Promise<EvalRecord> {
  const en = await evaluateSeqs(model, data.evalFacts.en, { pad });
  const zh = await evaluateSeqs(model, data.evalFacts.zh, { pad });
  const held = await evaluateSeqs(model, data.heldOut, { pad });
  const trainLoss = (en.loss * en.tokens + zh.loss * zh.tokens) / (en.tokens + zh.tokens);
  const rec: EvalRecord = { step, accEn: round(en.accuracy), accZh: round(zh.accuracy), trainLoss: round(trainLoss), heldOutLoss: round(held.loss) };
  if (data.heldOutRephrases.length) rec.accRephrase = round((await evaluateSeqs(model, data.heldOutRephrases, { pad })).accuracy);
  return rec;
}

/** Writes the shipped files: f16 weights, HF config.json, a copy of tokenizer.json, training.json. */
export async function exportModel(
  model: LlamaModel,
  dir: string,
  tokenizerPath: string,
  special: { bos: number; eos: number; pad: number },
  summary: Record<string, unknown>,
): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const names = [...model.weights().keys()];
  await writeSafetensors(
    path.join(dir, 'model.safetensors'),
    names.map((n) => {
      const t = model.weights().get(n)!;
      return { name: n, shape: [...t.shape], dtype: 'f16' as const, data: () => t.data() };
    }),
    { format: 'pt', producer: 'crossedit train (@crossedit/backbone-tiny)' },
  );
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify(hfLlamaConfig(model.config, special), null, 2) + '\n');
  copyFileSync(tokenizerPath, path.join(dir, 'tokenizer.json'));
  writeFileSync(path.join(dir, 'training.json'), JSON.stringify(summary) + '\n');
}

function countParams(model: LlamaModel): number {
  let n = 0;
  for (const t of model.weights().values()) n += t.size;
  return n;
}

function round(x: number): number {
  return Math.round(x * 1e5) / 1e5;
}

function stepRow(r: { step: number; lr: number; loss: number; gradNorm: number; tokens: number; seconds: number }): string {
  return `${r.step},${r.lr.toPrecision(4)},${r.loss.toFixed(5)},${r.gradNorm.toFixed(4)},${r.tokens},${r.seconds}\n`;
}

function evalRow(e: EvalRecord): string {
  return `${e.step},${e.accEn},${e.accZh},${e.trainLoss},${e.heldOutLoss},${e.accRephrase ?? ''}\n`;
}


/** Copies a finished run's export (see {@link EXPORT_FILES}) into a folder (default the package's `assets/`). */
export function publishExport(finalDir: string, dest: string = assetsDir): void {
  mkdirSync(dest, { recursive: true });
  for (const f of EXPORT_FILES) {
    const src = path.join(finalDir, f);
    if (!existsSync(src)) throw new Error(`${src}: missing; is ${finalDir} the 'final' folder of a finished run?`);
    copyFileSync(src, path.join(dest, f));
  }
}
