/**
 * Resumable training checkpoints: the weights and Adam's moments as f32 safetensors plus a JSON state,
 * in a folder per step (`step-000150/`) that a `latest` file points to once it is complete, so a run
 * killed while writing resumes from the previous checkpoint.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { FormatError, tensor, weightName, type AdamState, type Backend, type LanguageModel, type Tensor, type WeightRef } from '@crossedit/core';
import { SafetensorsReader, writeSafetensors } from '@crossedit/transformer';
import type { TrainConfig } from './config.js';

/** One evaluation of a run. */
export interface EvalRecord {
  /** Steps done when evaluated. */
  step: number;
  /** Teacher-forced answer-token accuracy on the evaluated training facts, English and Chinese. */
  accEn: number;
  accZh: number;
  /** Mean token loss of the evaluated training facts' lines. */
  trainLoss: number;
  /** Mean token loss of the held-out facts' lines. */
  heldOutLoss: number;
  /** Teacher-forced answer accuracy on the held-out English rephrases of training facts (when any are held out). */
  accRephrase?: number;
}

/** The JSON state saved with a checkpoint. */
export interface CheckpointState {
  /** Steps done. */
  step: number;
  config: TrainConfig;
  /** Seconds of training so far (summed over resumed sessions). */
  seconds: number;
  /** Per-step records so far. */
  steps: { step: number; lr: number; loss: number; gradNorm: number; tokens: number; seconds: number }[];
  evals: EvalRecord[];
}

const LATEST = 'latest';

/** Writes a checkpoint of the model's trainable weights and the optimizer, then points `latest` at it. */
export async function saveCheckpoint(dir: string, model: LanguageModel, refs: readonly WeightRef[], adam: AdamState | null, state: CheckpointState): Promise<string> {
  const name = `step-${String(state.step).padStart(6, '0')}`;
  const folder = path.join(dir, name);
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder, { recursive: true });
  const entry = (n: string, t: Tensor) => ({ name: n, shape: [...t.shape], dtype: 'f32' as const, data: () => t.data() });
  await writeSafetensors(
    path.join(folder, 'model.safetensors'),
    refs.map((r) => entry(weightName(r), model.weight(r))),
  );
  if (adam) {
    await writeSafetensors(path.join(folder, 'optimizer.safetensors'), [
      ...refs.map((r, i) => entry(`m.${weightName(r)}`, adam.m[i])),
      ...refs.map((r, i) => entry(`v.${weightName(r)}`, adam.v[i])),
    ], { steps: String(adam.steps) });
  }
  writeFileSync(path.join(folder, 'state.json'), JSON.stringify(state) + '\n');
  const tmp = path.join(dir, `${LATEST}.tmp`);
  writeFileSync(tmp, name + '\n');
  renameSync(tmp, path.join(dir, LATEST));
  for (const old of readdirSync(dir)) if (old.startsWith('step-') && old !== name) rmSync(path.join(dir, old), { recursive: true, force: true });
  return folder;
}

/** The folder of the latest complete checkpoint under `dir`, or null. */
export function latestCheckpoint(dir: string): string | null {
  const p = path.join(dir, LATEST);
  if (!existsSync(p)) return null;
  const folder = path.join(dir, readFileSync(p, 'utf8').trim());
  return existsSync(path.join(folder, 'state.json')) ? folder : null;
}

/** A loaded checkpoint: weights by canonical name, the optimizer state and the JSON state. */
export interface LoadedCheckpoint {
  weights: Map<string, Tensor>;
  adam: AdamState | null;
  state: CheckpointState;
}

/** Reads a checkpoint folder written by {@link saveCheckpoint} onto a backend. */
export async function loadCheckpoint(folder: string, refs: readonly WeightRef[], backend: Backend): Promise<LoadedCheckpoint> {
  const statePath = path.join(folder, 'state.json');
  let state: CheckpointState;
  try {
    state = JSON.parse(readFileSync(statePath, 'utf8')) as CheckpointState;
  } catch (e) {
    throw new FormatError(statePath, `cannot read the checkpoint state (${(e as Error).message})`);
  }
  const read = async (file: string, names: string[]): Promise<Tensor[]> => {
    const r = await SafetensorsReader.open(file);
    try {
      const out: Tensor[] = [];
      for (const n of names) {
        const e = r.entry(n);
        out.push(tensor(await r.read(n), [...e.shape], { backend }));
      }
      return out;
    } finally {
      await r.close();
    }
  };
  const names = refs.map(weightName);
  const ws = await read(path.join(folder, 'model.safetensors'), names);
  const weights = new Map(names.map((n, i) => [n, ws[i]]));
  let adam: AdamState | null = null;
  const opt = path.join(folder, 'optimizer.safetensors');
  if (existsSync(opt)) {
    const r = await SafetensorsReader.open(opt);
    const steps = Number(r.metadata.steps);
    await r.close();
    if (!Number.isInteger(steps)) throw new FormatError(opt, "metadata 'steps' must be an integer");
    adam = { steps, m: await read(opt, names.map((n) => `m.${n}`)), v: await read(opt, names.map((n) => `v.${n}`)) };
  }
  return { weights, adam, state };
}
