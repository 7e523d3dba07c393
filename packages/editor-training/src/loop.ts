/**
 * The resumable, seeded training loop both trained editors use (EasyEdit's `EditTrainer` schedule):
 * batches in a seeded per-epoch order, gradients accumulated over `accumulate` iterations, a NaN/Inf
 * check that skips the step, global-norm clipping, the editor's optimizer step, validation every
 * `valEvery` optimizer steps keeping the best parameters, early stopping after `patience` steps without
 * improvement, and a checkpoint every `checkpointEvery` optimizer steps (one file, written atomically,
 * so a kill loses at most the steps since it). Resuming replays the same batches: the result equals an
 * uninterrupted run's.
 */
import { appendFileSync, existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import os from 'node:os';
import { add, allFinite, clipGradNorm, div, FormatError, Rng, untrack, type Tensor } from '@crossedit/core';
import { readSafetensors, writeSafetensors, type SafeTensor } from '@crossedit/stats';
import type { EditExample } from './data.js';

/** What an editor provides to {@link trainLoop}. */
export interface EditorTrainer {
  /** Loss parts and gradients of one iteration (in a fixed parameter order); may update running statistics. */
  iteration(batch: readonly EditExample[]): Promise<{ loss: number; edit: number; loc: number; grads: Tensor[] }>;
  /** One optimizer step with the accumulated, clipped gradients (the trainer owns its optimizers). */
  update(grads: readonly Tensor[]): void;
  /** Edit accuracy and locality (argmax agreement with the base) on validation examples. */
  validate(examples: readonly EditExample[]): Promise<{ editAcc: number; locAcc: number }>;
  /** Everything needed to resume: parameters, optimizer moments, running statistics. */
  saveState(): Promise<Record<string, SafeTensor>>;
  /** Restores {@link EditorTrainer.saveState}'s output. */
  loadState(t: Record<string, SafeTensor>): void;
  /** The parameters that go into the artifact. */
  exportParams(): Promise<Record<string, SafeTensor>>;
}

/** The loop's schedule. */
export interface LoopConfig {
  seed: number;
  /** Iterations at most (EasyEdit `max_iters`). */
  maxIters: number;
  /** Examples per iteration. */
  batchSize: number;
  /** Iterations per optimizer step (`accumulate_bs`). */
  accumulate: number;
  gradClip: number;
  /** Validate every this many optimizer steps (0: only at the end). */
  valEvery: number;
  /** Validation examples used (from the held-out set). */
  valCount: number;
  /** Stop after this many optimizer steps without a better validation edit accuracy (0: never). */
  patience: number;
  /** Checkpoint every this many optimizer steps. */
  checkpointEvery: number;
}

/** One point of the training curve. */
export interface TrainPoint {
  iter: number;
  loss: number;
  edit: number;
  loc: number;
}

/** One validation. */
export interface ValPoint {
  optStep: number;
  iter: number;
  editAcc: number;
  locAcc: number;
}

/** The loop's JSON state (checkpointed). */
export interface LoopState {
  iter: number;
  optSteps: number;
  skipped: number;
  best: { editAcc: number; optStep: number } | null;
  stopped: 'max-iters' | 'early-stop' | null;
  seconds: number;
  train: TrainPoint[];
  val: ValPoint[];
}

/** Progress after each iteration. */
export interface LoopProgress {
  iter: number;
  maxIters: number;
  loss: number;
  edit: number;
  loc: number;
  /** Last validation edit accuracy, if any. */
  valAcc: number | null;
}

/** Options of {@link trainLoop}. */
export interface TrainLoopOptions {
  runDir: string;
  config: LoopConfig;
  train: readonly EditExample[];
  validation: readonly EditExample[];
  trainer: EditorTrainer;
  /** Continue from the run's checkpoint when there is one (default true). */
  resume?: boolean;
  /** Stop (resumably) after this many iterations of this session. */
  stopAfter?: number;
  /** Called after every iteration; an exception here stops the run like a crash. */
  onProgress?: (p: LoopProgress) => void;
  /** Stops at the next iteration (checkpointing first). */
  signal?: AbortSignal;
  log?: (line: string) => void;
}

/** What {@link trainLoop} returns. */
export interface TrainLoopResult {
  state: LoopState;
  finished: boolean;
  /** The best validated parameters (the last ones if no validation ran). */
  params: Record<string, SafeTensor> | null;
}

const CHECKPOINT = 'checkpoint.safetensors';

/** The example indices of iteration `iter` (seeded per-epoch shuffles). @internal */
export class BatchOrder {
  #perms = new Map<number, number[]>();
  constructor(
    readonly n: number,
    readonly batchSize: number,
    readonly seed: number,
  ) {}

  #perm(epoch: number): number[] {
    let p = this.#perms.get(epoch);
    if (!p) {
      const rng = new Rng(this.seed * 1_000_003 + epoch);
      p = Array.from({ length: this.n }, (_, i) => i);
      for (let i = p.length - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        [p[i], p[j]] = [p[j], p[i]];
      }
      if (this.#perms.size > 4) this.#perms.clear();
      this.#perms.set(epoch, p);
    }
    return p;
  }

  batch(iter: number): number[] {
    return Array.from({ length: this.batchSize }, (_, k) => {
      const g = iter * this.batchSize + k;
      return this.#perm(Math.floor(g / this.n))[g % this.n];
    });
  }
}

/** Writes a file through a temporary one and a rename, so a kill leaves the old or the new content, never a truncated file. */
function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

function curveFiles(runDir: string, s: LoopState): void {
  writeAtomic(join(runDir, 'curve.json'), JSON.stringify({ train: s.train, val: s.val, best: s.best, stopped: s.stopped }) + '\n');
  writeAtomic(join(runDir, 'losses.csv'), 'iter,loss,edit,loc\n' + s.train.map((p) => `${p.iter},${p.loss},${p.edit},${p.loc}\n`).join(''));
  writeAtomic(join(runDir, 'validation.csv'), 'opt_step,iter,edit_acc,loc_acc\n' + s.val.map((p) => `${p.optStep},${p.iter},${p.editAcc},${p.locAcc}\n`).join(''));
}

async function saveCheckpoint(runDir: string, cfg: LoopConfig, s: LoopState, state: Record<string, SafeTensor>, best: Record<string, SafeTensor> | null): Promise<void> {
  const tensors: Record<string, SafeTensor> = {};
  for (const [k, v] of Object.entries(state)) tensors[`state.${k}`] = v;
  for (const [k, v] of Object.entries(best ?? {})) tensors[`best.${k}`] = v;
  await writeSafetensors(join(runDir, CHECKPOINT), tensors, { loop: JSON.stringify(s), config: JSON.stringify(cfg) });
  curveFiles(runDir, s);
}

/**
 * Trains until `maxIters`, early stopping, `stopAfter` or the signal. Deterministic given the config,
 * the data and the trainer's initial state.
 *
 * @example
 * ```ts
 * const r = await trainLoop({ runDir, config, train: d.train, validation: d.validation, trainer });
 * if (r.finished) await writeArtifact(outDir, header, r.params!);
 * ```
 */
export async function trainLoop(o: TrainLoopOptions): Promise<TrainLoopResult> {
  const cfg = o.config;
  const log = o.log ?? (() => undefined);
  mkdirSync(o.runDir, { recursive: true });
  const ckpt = join(o.runDir, CHECKPOINT);
  let s: LoopState = { iter: 0, optSteps: 0, skipped: 0, best: null, stopped: null, seconds: 0, train: [], val: [] };
  let best: Record<string, SafeTensor> | null = null;
  if ((o.resume ?? true) && existsSync(ckpt)) {
    const { tensors, metadata } = await readSafetensors(ckpt);
    if (metadata.config !== JSON.stringify(cfg)) throw new FormatError(ckpt, `the run was started with another loop config (${metadata.config}); use a new run folder or --fresh`);
    s = JSON.parse(metadata.loop) as LoopState;
    const state: Record<string, SafeTensor> = {};
    const b: Record<string, SafeTensor> = {};
    for (const [k, v] of Object.entries(tensors)) {
      if (k.startsWith('state.')) state[k.slice(6)] = v;
      else if (k.startsWith('best.')) b[k.slice(5)] = v;
    }
    o.trainer.loadState(state);
    best = Object.keys(b).length ? b : null;
    log(`resuming ${o.runDir} at iteration ${s.iter} (optimizer step ${s.optSteps})`);
    curveFiles(o.runDir, s);
  }
  const order = new BatchOrder(o.train.length, cfg.batchSize, cfg.seed);
  const val = o.validation.slice(0, cfg.valCount);
  const lossCsv = join(o.runDir, 'losses.csv');
  if (!existsSync(lossCsv)) curveFiles(o.runDir, s);
  const t0 = Date.now();
  const base = s.seconds;
  let acc: Tensor[] | null = null;
  let accN = 0;
  let session = 0;
  const validate = async (): Promise<void> => {
    if (val.length === 0) return;
    const v = await o.trainer.validate(val);
    s.val.push({ optStep: s.optSteps, iter: s.iter, editAcc: round(v.editAcc), locAcc: round(v.locAcc) });
    if (!s.best || v.editAcc > s.best.editAcc) {
      s.best = { editAcc: round(v.editAcc), optStep: s.optSteps };
      best = await o.trainer.exportParams();
    }
    log(`step ${s.optSteps}: validation edit accuracy ${v.editAcc.toFixed(3)}, locality ${v.locAcc.toFixed(3)} (best ${s.best.editAcc.toFixed(3)} at step ${s.best.optStep})`);
  };
  try {
    while (s.iter < cfg.maxIters && s.stopped === null) {
      if (o.stopAfter !== undefined && session >= o.stopAfter) break;
      // let pending macrotasks run (a SIGINT handler, timers): on CPU backends an iteration's awaits are all
      // microtasks, so without this the signal was seen only at a checkpoint's I/O, minutes after Ctrl-C
      await new Promise<void>((r) => setImmediate(r));
      if (o.signal?.aborted) break;
      const batch = order.batch(s.iter).map((i) => o.train[i]);
      const r = await o.trainer.iteration(batch);
      if (acc === null) acc = r.grads.map((g) => untrack(g));
      else {
        const next: Tensor[] = acc.map((a, i) => untrack(add(a, r.grads[i])));
        for (const t of [...acc, ...r.grads]) t.dispose();
        acc = next;
      }
      accN++;
      s.iter++;
      session++;
      const point = { iter: s.iter, loss: round(r.loss), edit: round(r.edit), loc: round(r.loc) };
      s.train.push(point);
      appendFileSync(lossCsv, `${point.iter},${point.loss},${point.edit},${point.loc}\n`);
      if (accN === cfg.accumulate || s.iter === cfg.maxIters) {
        const mean = acc.map((a) => untrack(div(a, accN)));
        for (const a of acc) a.dispose();
        acc = null;
        accN = 0;
        if (await allFinite(mean)) {
          const { grads } = clipGradNorm(mean, cfg.gradClip);
          o.trainer.update(grads);
          for (const g of grads) g.dispose();
        } else {
          s.skipped++;
          log(`iteration ${s.iter}: non-finite gradient, step skipped`);
        }
        for (const m of mean) m.dispose();
        s.optSteps++;
        s.seconds = base + (Date.now() - t0) / 1000;
        if (cfg.valEvery > 0 && s.optSteps % cfg.valEvery === 0) await validate();
        if (cfg.patience > 0 && s.best && s.optSteps - s.best.optStep >= cfg.patience) s.stopped = 'early-stop';
        if (s.iter >= cfg.maxIters) s.stopped ??= 'max-iters';
        if (s.optSteps % cfg.checkpointEvery === 0 || s.stopped) await saveCheckpoint(o.runDir, cfg, s, await o.trainer.saveState(), best);
      }
      o.onProgress?.({ maxIters: cfg.maxIters, ...point, valAcc: s.val.at(-1)?.editAcc ?? null });
    }
  } finally {
    for (const a of acc ?? []) a.dispose();
  }
  const finished = s.stopped !== null;
  if (finished && !s.val.some((v) => v.optStep === s.optSteps) && s.stopped === 'max-iters') {
    await validate();
    await saveCheckpoint(o.runDir, cfg, s, await o.trainer.saveState(), best);
  }
  return { state: s, finished, params: finished ? (best ?? (await o.trainer.exportParams())) : null };
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/**
 * What an artifact's header records about the training that made it: the loop's counters, its time,
 * this session's wall time (since `sessionStart`, a `Date.now()` value), the backend and the host.
 */
export function trainingRecord(state: LoopState, sessionStart: number, backend: string): Record<string, unknown> {
  const cpus = os.cpus();
  return {
    iterations: state.iter,
    optimizerSteps: state.optSteps,
    skippedSteps: state.skipped,
    stopped: state.stopped,
    best: state.best,
    seconds: Math.round(state.seconds),
    sessionSeconds: Math.round((Date.now() - sessionStart) / 1000),
    backend,
    host: `${cpus.length} × ${cpus[0]?.model ?? '?'}`,
  };
}
