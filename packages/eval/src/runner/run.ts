/**
 * The edit → evaluate → restore loop. Pre-edit predictions are computed once, before any edit; each
 * schedule group is edited, evaluated, and restored; each finished request is appended to the results
 * at once, so an interrupted run resumes with the requests that are not in the results yet.
 */
import { checkHparamsForModel, composeWrapPrompts, ConfigurationError, isConfigurationError, type EditContext, type EditMethod, type EditResult, type LanguageModel, type ModelConfig, type Tokenizer } from '@crossedit/core';
import type { EditCase } from '../data/cases.js';
import type { AggregateTable } from '../metrics/aggregate.js';
import type { EditRecord } from '../results/types.js';
import type { ResultsWriter } from '../results/writer.js';
import type { TextTokenize } from '../scorers/f1.js';
import type { ScoringRules } from '../scorers/mode.js';
import type { ArgmaxOptions } from './argmax.js';
import { predictItems, preEditItems, scoreCase, type ItemPredictions } from './evaluate.js';
import { unscorableReason } from './fit.js';
import { scheduleGroups, type Schedule } from './schedule.js';

/** The method does not support the schedule asked for. */
export class UnsupportedScheduleError extends ConfigurationError {
  override name = 'UnsupportedScheduleError';
}

/**
 * Refuses a schedule the method does not declare in `supports` (a batch or sequential schedule of
 * size 1 is a single edit and always allowed).
 * @throws UnsupportedScheduleError naming the method and the schedule.
 */
export function checkSchedule(method: Pick<EditMethod<unknown>, 'id' | 'supports'>, schedule: Schedule): void {
  if (schedule.kind === 'single' || schedule.size === 1) return;
  if (!method.supports[schedule.kind]) {
    throw new UnsupportedScheduleError(`method '${method.id}' does not support ${schedule.kind} edits (schedule ${schedule.kind}:${schedule.size}); it supports: ${['single', ...(['batch', 'sequential'] as const).filter((k) => method.supports[k])].join(', ')}`);
  }
}

/** Everything one evaluation run needs. */
export interface EvalRunOptions<H> {
  model: LanguageModel;
  tokenizer: Tokenizer;
  backbone: { id: string; config: ModelConfig };
  method: EditMethod<H>;
  hparams: H;
  cases: readonly EditCase[];
  schedule: Schedule;
  rules: ScoringRules;
  /** Tokens for F1 (the Chinese-LLaMA-Plus tokenizer by default, chosen by the caller). */
  f1Tokenize: TextTokenize;
  writer: ResultsWriter;
  /** The rest of the method's context: rng, log, stats, cacheDir, dataDir. */
  context: Omit<EditContext, 'model' | 'tokenizer' | 'backbone' | 'backend'>;
  argmax?: ArgmaxOptions;
  /** Progress after each finished request. */
  onProgress?: (done: number, total: number, note: string) => void;
  /**
   * A weights hash; when given it is checked after every restore, and a difference stops the run (the
   * model would no longer be the base model).
   */
  weightsHash?: () => Promise<string>;
  /** Milliseconds clock for the timings (default `performance.now`; tests pass a fake one). */
  clock?: () => number;
  /** Told how long the pre-edit pass took (ms) and for how many requests (it is not in the records' timings). */
  onPreEdit?: (ms: number, requests: number) => void;
  /**
   * Pre-edit predictions shared between runs on the same unedited model (see {@link preEditCache}):
   * an item planned and run before is not run again. Give one cache per model weights, never across
   * different weights or tokenizers.
   */
  preEditCache?: PreEditCache;
}

/** Pre-edit predictions of items on one unedited model, keyed by everything that decides them. */
export type PreEditCache = Map<string, ItemPredictions>;

/** A new, empty {@link PreEditCache} (one per unedited model and tokenizer). */
export function preEditCache(): PreEditCache {
  return new Map();
}

async function applyGroup<H>(o: EvalRunOptions<H>, ctx: EditContext, group: readonly EditCase[]): Promise<EditResult[]> {
  const reqs = group.map((c) => c.request);
  if (o.schedule.kind !== 'sequential') return [await o.method.apply(ctx, reqs, o.hparams)];
  const results: EditResult[] = [];
  try {
    for (const r of reqs) results.push(await o.method.apply(ctx, [r], o.hparams));
  } catch (e) {
    for (const r of results.reverse()) await r.restore();
    throw e;
  }
  return results;
}

/** Runs the loop; returns the aggregate over every record in the results (earlier runs included). */
export async function runEval<H>(o: EvalRunOptions<H>): Promise<AggregateTable> {
  const { model, tokenizer, writer } = o;
  checkSchedule(o.method, o.schedule);
  // a configuration error (a layer the model does not have) stops the run before the first edit
  checkHparamsForModel(o.method.id, o.method.hparams, o.hparams, o.backbone.config);
  const ctx: EditContext = { ...o.context, model, tokenizer, backbone: o.backbone, backend: model.backend };
  const now = o.clock ?? (() => performance.now());
  const pending = o.cases.filter((c) => !writer.isDone(c.request.id));
  const total = o.cases.length;
  let done = total - pending.length;
  const maxPositions = o.backbone.config.maxPositions;
  const requestInfo = (r: EditCase['request']): EditRecord['request'] => ({ prompt: r.prompt, subject: r.subject, target: r.target, lang: r.lang, ...(r.groundTruth !== undefined ? { groundTruth: r.groundTruth } : {}) });
  const zeroTimings = { editMs: 0, evaluateMs: 0, restoreMs: 0, totalMs: 0 };
  /** Records a case that cannot be scored as a failed record with the reason, and goes on. */
  const unscorable = async (c: EditCase, reason: string, diagnostics: Record<string, number | string> = {}, timings = zeroTimings) => {
    const error = `UnscorableRecord: ${reason}`;
    ctx.log.warn(`${c.request.id} cannot be scored: ${reason}`);
    await writer.append({ recordIndex: c.recordIndex, requestId: c.request.id, request: requestInfo(c.request), items: [], diagnostics, timings, error });
    done++;
    o.onProgress?.(done, total, c.request.id);
  };
  const decode = (ids: readonly number[]) => tokenizer.decode(ids.filter((i) => i >= 0), { skipSpecialTokens: true });
  const scoreCtx = { decode, f1Tokenize: o.f1Tokenize, rules: o.rules };
  const argmaxOpts = { ...o.argmax, padId: o.argmax?.padId ?? tokenizer.special.pad ?? tokenizer.special.eos ?? 0 };
  // prompt edits (IKE) are read in the paper's own layout under the bizsre-* modes (ScoringRules.promptEdits)
  const promptEdits = o.method.edits === 'prompt';
  // a record whose questions do not fit the model is recorded as failed before any edit, and the run goes on
  const todo: EditCase[] = [];
  for (const c of pending) {
    const why = unscorableReason(c, tokenizer, o.rules, maxPositions, { promptEdits }, preEditItems(c, o.method, o.rules));
    if (why) await unscorable(c, why);
    else todo.push(c);
  }
  // pre-edit predictions, once, on the unedited model (items another run already ran come from the cache)
  const pre = new Map<string, ItemPredictions[]>();
  const tPre = now();
  {
    const items = todo.flatMap((c) => preEditItems(c, o.method, o.rules));
    const cache = o.preEditCache;
    const key = (it: (typeof items)[number]) => JSON.stringify([o.rules, promptEdits, argmaxOpts.padId, it.kind, it.prompt, it.target]);
    const missing = cache ? items.filter((it) => !cache.has(key(it))) : items;
    const ran = await predictItems(model, tokenizer, missing, o.rules, { ...argmaxOpts, promptEdits });
    if (cache) missing.forEach((it, i) => cache.set(key(it), ran[i]));
    const preds = cache ? items.map((it) => cache.get(key(it))!) : ran;
    let at = 0;
    for (const c of todo) {
      pre.set(c.request.id, preds.slice(at, at + c.items.length));
      at += c.items.length;
    }
  }
  o.onPreEdit?.(now() - tPre, todo.length);
  const baseHash = o.weightsHash ? await o.weightsHash() : undefined;
  const todoIds = new Set(todo.map((c) => c.request.id));
  for (const group of scheduleGroups(o.cases, o.schedule)) {
    const open = group.filter((c) => todoIds.has(c.request.id));
    if (open.length === 0) continue;
    const t0 = now();
    let results: EditResult[] = [];
    let error: string | undefined;
    try {
      results = await applyGroup(o, ctx, group);
    } catch (e) {
      // configuration errors (missing statistics, bad hyperparameters) stop the run instead of being
      // recorded as failed edits, so a rerun after the fix evaluates those edits
      if (isConfigurationError(e)) throw e;
      error = `${(e as Error).name}: ${(e as Error).message}`;
      ctx.log.warn(`edit of ${group.map((c) => c.request.id).join(', ')} failed: ${error}`);
    }
    const t1 = now();
    let post: ItemPredictions[] = [];
    const wrap = composeWrapPrompts(results);
    // a method that answers through a wrapper (SERAC) hands back the model to score
    const edited = results[results.length - 1]?.model ?? model;
    // the method's prompt wrapping (IKE's demonstrations) can push a question past the model's positions
    const tooLong = new Map<string, string>();
    if (!error && wrap) {
      for (const c of open) {
        const why = unscorableReason(c, tokenizer, o.rules, maxPositions, { wrap, promptEdits });
        if (why) tooLong.set(c.request.id, why);
      }
    }
    const scored = open.filter((c) => !tooLong.has(c.request.id));
    try {
      if (!error) post = await predictItems(edited, tokenizer, scored.flatMap((c) => c.items), o.rules, { ...argmaxOpts, wrap, promptEdits });
    } finally {
      for (const r of [...results].reverse()) await r.restore();
    }
    const t2 = now();
    if (baseHash !== undefined) {
      const h = await o.weightsHash!();
      if (h !== baseHash) throw new Error(`restore() of method '${o.method.id}' did not give back the base weights (hash ${h} != ${baseHash}); stopping`);
    }
    const t3 = now();
    const diagnostics = Object.assign({}, ...results.map((r) => r.diagnostics)) as Record<string, number | string>;
    const timings = { editMs: (t1 - t0) / open.length, evaluateMs: (t2 - t1) / open.length, restoreMs: (t3 - t2) / open.length, totalMs: (t3 - t0) / open.length };
    let at = 0;
    for (const c of open) {
      const why = tooLong.get(c.request.id);
      if (why) {
        await unscorable(c, why, diagnostics, timings);
        continue;
      }
      const items = error ? [] : scoreCase(c, post.slice(at, at + c.items.length), pre.get(c.request.id)!, scoreCtx);
      at += c.items.length;
      const r = c.request;
      const record: EditRecord = {
        recordIndex: c.recordIndex,
        requestId: r.id,
        request: requestInfo(r),
        items,
        diagnostics,
        timings,
        ...(error ? { error } : {}),
      };
      await writer.append(record);
      done++;
      o.onProgress?.(done, total, r.id);
    }
  }
  return writer.writeAggregate();
}
