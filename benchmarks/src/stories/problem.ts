/**
 * The stories260K edit problem shared by the project's run and the PyTorch reference: one fact, two fixed
 * context templates for ROME, the bare template for MEMIT, a fixed step count (early stop off), and the
 * token rows built with the project's own row helpers, written with the model's weights for the script.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { teacherForcedRows, type EditRequest, type LanguageModel, type Tokenizer } from '@crossedit/core';
import { contextRow, promptTemplate, rewriteRow, targetIds, type EditRow } from '@crossedit/locate-edit';

/** The edited fact. */
export const STORY_REQUEST: EditRequest = { id: 'story:0', prompt: "Lily's favorite color was", subject: 'Lily', target: 'green', lang: 'en' };

/** ROME's two fixed context templates (instead of sampled ones, so both sides see the same rows). */
export const STORY_TEMPLATES = ['{}', 'Once upon a time there was a girl. {}'];

/** Iterations of the v* (z) and FT optimisations (early stop off, so both sides take every step). */
export const STORY_STEPS = 25;

/** The value of the synthetic second moment's diagonal MEMIT uses (C = c·I, on both sides). */
export const STORY_MOM2 = 0.1;

/** The settings both implementations use (the project's defaults, early stop off). */
export interface StorySettings {
  romeLayer: number;
  memitLayers: number[];
  memitLambda: number;
  ftLayer: number;
  delta: { numSteps: number; lr: number; weightDecay: number; klFactor: number; clampNormFactor: number; earlyStopLoss: number; klPrompt: string };
  ft: { numSteps: number; lr: number; normConstraint: number; earlyStopLoss: number };
}

function row(r: EditRow): { ids: number[]; lookup: number; labels: [number, number][] } {
  return { ids: r.ids, lookup: r.lookup, labels: r.labels };
}

/** The delta-optimisation settings the PyTorch side reads (`hp` of a problem). */
export type StoryDeltaHp = Omit<StorySettings['delta'], 'klPrompt'>;

/**
 * Writes the model's weights (HF names, f32 little-endian) to `dir/weights.bin` and returns the problem's
 * `config`, `weightsFile` and `weights` fields (the values are exact: every loaded weight is an f32).
 */
export async function writeStoryWeights(dir: string, model: LanguageModel): Promise<{ config: LanguageModel['config']; weightsFile: string; weights: { name: string; shape: number[]; offset: number }[] }> {
  const weights: { name: string; shape: number[]; offset: number }[] = [];
  const chunks: Buffer[] = [];
  let offset = 0;
  for (const [name, t] of model.weights()) {
    const f = Float32Array.from(await t.data());
    weights.push({ name, shape: [...t.shape], offset });
    chunks.push(Buffer.from(f.buffer));
    offset += f.byteLength;
  }
  const weightsFile = path.join(dir, 'weights.bin');
  writeFileSync(weightsFile, Buffer.concat(chunks));
  return { config: model.config, weightsFile, weights };
}

/** The ROME part of the problem: the rows of {@link STORY_TEMPLATES} built with the project's row helpers. */
export function romeStoryProblem(tok: Tokenizer, layer: number, delta: StorySettings['delta']) {
  const req = STORY_REQUEST;
  const tpl = promptTemplate(req);
  const target = targetIds(tok, req.prompt, req.target, false);
  return {
    layer,
    templateRows: STORY_TEMPLATES.map((t) => row(contextRow(tok, t, tpl, req.subject))),
    rewriteRows: STORY_TEMPLATES.map((t) => row(rewriteRow(tok, t, tpl, req.subject, target))),
    klRow: row(contextRow(tok, '{}', delta.klPrompt, req.subject)),
    insertRow: row(contextRow(tok, '{}', tpl, req.subject)),
    hp: deltaHp(delta),
  };
}

function deltaHp(d: StorySettings['delta']): StoryDeltaHp {
  return { numSteps: d.numSteps, lr: d.lr, weightDecay: d.weightDecay, klFactor: d.klFactor, clampNormFactor: d.clampNormFactor, earlyStopLoss: d.earlyStopLoss };
}

/** Writes `problem.json` and `weights.bin` into `dir` and returns the problem file. */
export async function writeStoryProblem(dir: string, model: LanguageModel, tok: Tokenizer, s: StorySettings): Promise<string> {
  const req = STORY_REQUEST;
  const tpl = promptTemplate(req);
  const target = targetIds(tok, req.prompt, req.target, false);
  const m = model.config.intermediateSize;
  const eye = Array.from({ length: m * m }, (_, i) => (i % (m + 1) === 0 ? STORY_MOM2 : 0));
  const kl = row(contextRow(tok, '{}', s.delta.klPrompt, req.subject));
  const problem = {
    ...(await writeStoryWeights(dir, model)),
    rome: romeStoryProblem(tok, s.romeLayer, s.delta),
    memit: {
      layers: s.memitLayers,
      rewriteRows: [row(rewriteRow(tok, '{}', tpl, req.subject, target))],
      klRow: kl,
      keyRows: [row(contextRow(tok, '{}', tpl, req.subject))],
      groups: [1],
      hiddenRow: row(contextRow(tok, '{}', tpl, req.subject)),
      secondMoment: Object.fromEntries(s.memitLayers.map((l) => [String(l), eye])),
      lambda: s.memitLambda,
      hp: deltaHp(s.delta),
    },
    ft: { layer: s.ftLayer, rows: teacherForcedRows(tok, [{ prompt: req.prompt, target: req.target }]), ...s.ft },
  };
  const file = path.join(dir, 'problem.json');
  writeFileSync(file, JSON.stringify(problem));
  return file;
}
