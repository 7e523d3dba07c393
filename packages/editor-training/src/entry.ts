/** What both plugins' `train` entry points share: reading the data and merging config overrides. */
import { ConfigurationError, type TrainArtifactOptions, type TrainArtifactResult } from '@crossedit/core';
import { combineData, loadEditorData, type EditExample } from './data.js';
import type { DataSource } from './artifact.js';
import type { TrainLoopResult } from './loop.js';

/** A bad `overrides` value. */
export class TrainConfigError extends ConfigurationError {
  override name = 'TrainConfigError';
}

/**
 * `{a: {b: 1}}` merged into a copy of `base`: objects recursively, other values replaced; unknown keys
 * and values of another type are refused, naming the key.
 */
export function mergeConfig<T>(base: T, over: unknown, at = 'overrides'): T {
  if (over === undefined || over === null) return base;
  if (typeof over !== 'object' || Array.isArray(over)) throw new TrainConfigError(`${at} must be a JSON object`);
  const out = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(over)) {
    if (!(k in out)) throw new TrainConfigError(`${at}: unknown key '${k}' (known: ${Object.keys(out).join(', ')})`);
    const cur = out[k];
    if (cur && typeof cur === 'object' && !Array.isArray(cur)) out[k] = mergeConfig(cur, v, `${at}.${k}`);
    else if (cur !== null && typeof cur !== typeof v) throw new TrainConfigError(`${at}.${k} must be a ${typeof cur}, got ${JSON.stringify(v)}`);
    else out[k] = v;
  }
  return out as T;
}

/** Reads every training file (all records checked before any is used). */
export function readTrainingData(o: Pick<TrainArtifactOptions, 'data' | 'trainLimit' | 'validation'>): { train: EditExample[]; validation: EditExample[]; sources: DataSource[] } {
  if (o.data.length === 0) throw new TrainConfigError('no training data given');
  return combineData(o.data.map((d) => loadEditorData(d.file, { lang: d.lang, limit: o.trainLimit, validation: o.validation })));
}

/** The contract's result from a loop result. */
export function trainResult(r: TrainLoopResult, artifact: string | null, examples: number): TrainArtifactResult {
  const s = r.state;
  return { finished: r.finished, artifact, iterations: s.iter, optimizerSteps: s.optSteps, seconds: s.seconds, stopped: s.stopped, best: s.best, examples };
}
