/**
 * Training-time objectives that shape where the model keeps its facts (the model at inference is a plain
 * LLaMA): interchange-intervention training at the subject's last token and the decorrelation of the MLP
 * keys there. Both are extra terms of the trainer's loss; see `TrainConfig.interchange` and
 * `TrainConfig.keyDecorrelation`.
 */
import { Rng, add, crossEntropy, div, matmul, norm, replaceAtHook, square, sum, tensor, untrack, type Hook, type LanguageModel, type ModuleRef, type Tensor } from '@crossedit/core';
import { selectAt, type At } from '@crossedit/transformer';
import type { TrainConfig } from './config.js';
import { collate, type Seq } from './data.js';

/** Whether a line can take part in an interchange: it holds a subject span and a non-empty answer. */
function answersAbout(s: Seq): s is Seq & { subject: [number, number] } {
  return s.subject !== undefined && s.answerStart > 0 && s.answerEnd > s.answerStart;
}

/**
 * Lines that can take part in an interchange, grouped by template: the line's prompt with its subject cut
 * out (the tokens before the subject's first token and those after its last, up to the answer). Lines of
 * one group ask the same relation of different subjects (a ZsRE relation's question, the `{}?` of the
 * statement and copy lines), so putting one line's subject representation into another's prompt must
 * give the first line's answer. Groups of one line are left out. Arrays of indices into `lines`.
 */
export function interchangeGroups(lines: readonly Seq[]): number[][] {
  const byTemplate = new Map<string, number[]>();
  lines.forEach((s, i) => {
    if (!answersAbout(s)) return;
    const [f, l] = s.subject;
    const key = `${s.ids.slice(0, f).join(',')}|${s.ids.slice(l + 1, s.answerStart).join(',')}`;
    const g = byTemplate.get(key);
    if (g) g.push(i);
    else byTemplate.set(key, [i]);
  });
  return [...byTemplate.values()].filter((g) => g.length >= 2);
}

/** Indices into the lines for `TrainConfig.interchange.copy`: the copy lines and every line that can be a base. */
export interface CopyPool {
  /** Lines whose subject tokens are their answer tokens (`X? X`, also after a context prefix). */
  sources: number[];
  /** Lines with a subject and an answer. */
  bases: number[];
}

/** Whether a line copies its subject (`X? X`): its subject tokens are its answer tokens. */
function copiesSubject(s: Seq & { subject: [number, number] }): boolean {
  const [f, l] = s.subject;
  return l + 1 - f === s.answerEnd - s.answerStart && s.ids.slice(f, l + 1).every((t, k) => t === s.ids[s.answerStart + k]);
}

/** The {@link CopyPool} of the lines. */
export function copyPool(lines: readonly Seq[]): CopyPool {
  const bases: number[] = [];
  const sources: number[] = [];
  lines.forEach((s, i) => {
    if (!answersAbout(s)) return;
    bases.push(i);
    if (copiesSubject(s)) sources.push(i);
  });
  return { sources, bases };
}

/** The most tokens of a composed copy string (`TrainConfig.interchange.compose`). */
const COMPOSED_MAX = 16;

/**
 * A new copy line for `interchange.compose`: the copied strings of 2 or 3 random copy lines (`sources`)
 * joined and cut to {@link COMPOSED_MAX} tokens, in the first one's layout (its tokens before the subject,
 * the string, its tokens between subject and answer, the string, EOS).
 */
function composedCopy(lines: readonly Seq[], sources: readonly number[], rng: Rng, eos: number): Seq & { subject: [number, number] } {
  const parts = Array.from({ length: 2 + rng.int(2) }, () => lines[sources[rng.int(sources.length)]] as Seq & { subject: [number, number] });
  const x = parts.flatMap((c) => c.ids.slice(c.subject[0], c.subject[1] + 1)).slice(0, COMPOSED_MAX);
  const [c0] = parts;
  const pre = c0.ids.slice(0, c0.subject[0]);
  const mid = c0.ids.slice(c0.subject[1] + 1, c0.answerStart);
  const answerStart = pre.length + x.length + mid.length;
  return { ids: [...pre, ...x, ...mid, ...x, eos], answerStart, answerEnd: answerStart + x.length, lang: c0.lang, subject: [pre.length, pre.length + x.length - 1] };
}

/** One interchange batch: row r runs `sources[r]`, and `bases[r]` gets its MLP output (see {@link interchangeBatch}). */
export interface InterchangeBatch {
  /** The lines whose layer-`layer` MLP output at the subject's last token is taken. */
  sources: Seq[];
  /** Each the prompt of another line of the source's group followed by the source's answer and EOS. */
  bases: Seq[];
  /** Index of the subject's last token of each source. */
  sourcePos: number[];
  /** Index of the subject's last token of each base. */
  basePos: number[];
}

/**
 * The interchange pairs of a step: `rows` lines drawn uniformly from all grouped lines as bases, each with
 * a source drawn from the rest of its group; with `interchange.copy = p`, each pair is instead, with
 * probability p, a copy line's value (`copies.sources`) put into any line with a subject (`copies.bases`),
 * whose answer must then be the copied string. The draws depend on the config's seed and the step only,
 * so a resumed run replays them.
 */
export function interchangeBatch(lines: readonly Seq[], groups: readonly number[][], cfg: TrainConfig, step: number, eos: number, copies?: CopyPool): InterchangeBatch {
  const rows = cfg.interchange?.rows ?? 8;
  const copy = cfg.interchange?.copy ?? 0;
  const compose = cfg.interchange?.compose ?? 0;
  const pool: [number, number][] = [];
  groups.forEach((g, gi) => g.forEach((_, k) => pool.push([gi, k])));
  if (pool.length === 0) throw new RangeError('interchange: no two training lines share a template (a prompt with its subject cut out); nothing to interchange');
  if (copy > 0 && !(copies && copies.sources.length > 0 && copies.bases.length > 1)) throw new RangeError('interchange.copy: the training lines hold no copy line (`X? X`: subject tokens = answer tokens) to take a value from');
  if (compose > 0 && !(copies && copies.sources.length > 0)) throw new RangeError('interchange.compose: the training lines hold no copy line (`X? X`) to compose strings from');
  const rng = new Rng((cfg.seed ^ Math.imul(step + 1, 0x68e31da4) ^ 0x1f2e3d4c) >>> 0);
  const out: InterchangeBatch = { sources: [], bases: [], sourcePos: [], basePos: [] };
  for (let r = 0; r < rows; r++) {
    let a: Seq;
    let b: Seq;
    if (copy > 0 && rng.uniform() < copy) {
      const src = copies!.sources[rng.int(copies!.sources.length)];
      let base = copies!.bases[rng.int(copies!.bases.length)];
      while (base === src) base = copies!.bases[rng.int(copies!.bases.length)];
      [a, b] = [lines[base], lines[src]];
    } else {
      const [gi, k] = pool[rng.int(pool.length)];
      const g = groups[gi];
      const j = (k + 1 + rng.int(g.length - 1)) % g.length; // any other member
      [a, b] = [lines[g[k]], lines[g[j]]];
    }
    // a copy source (from either branch: the copy lines are also one template's group) may be a new string
    if (compose > 0 && copies && copiesSubject(b as Seq & { subject: [number, number] }) && rng.uniform() < compose) b = composedCopy(lines, copies.sources, rng, eos);
    const answer = b.ids.slice(b.answerStart, b.answerEnd);
    out.sources.push(b);
    out.sourcePos.push(b.subject![1]);
    out.bases.push({ ids: [...a.ids.slice(0, a.answerStart), ...answer, eos], answerStart: a.answerStart, answerEnd: a.answerStart + answer.length, lang: a.lang, subject: a.subject });
    out.basePos.push(a.subject![1]);
  }
  return out;
}

/**
 * The interchange loss of a batch: the sources run up to layer `layer` (bottleneck bias `biasOf` as in the
 * main loss), their `mlp.down` output at the subject's last token replaces the bases' there, and the loss
 * is the cross-entropy of the bases' answers and EOS (their prompts weigh 0). Differentiable through both
 * passes; call inside `valueAndGrads`. The captured source values are pushed to `owned`: the caller
 * disposes them once the gradients are taken.
 */
export function interchangeLoss(model: LanguageModel, batch: InterchangeBatch, layer: number, pad: number, biasOf: (seqs: readonly Seq[], cols: number) => Tensor[] | null, owned: Tensor[]): Tensor {
  const be = model.backend;
  const rows = batch.sources.map((_, r) => r);
  const src = collate(batch.sources, pad, 1);
  let taken: Tensor | null = null;
  const take = pickHook({ kind: 'mlp.down', layer }, 'output', { rows, positions: batch.sourcePos }, (t) => owned.push((taken = t)));
  const srcBias = biasOf(batch.sources, src.cols);
  model.forward(tensor(src.inputs, [src.rows, src.cols], { dtype: 'i32', backend: be }), { hooks: [take], stopAfterLayer: layer, ...(srcBias ? { attentionBias: srcBias } : {}) });
  if (!taken) throw new Error(`interchangeLoss: the model ran no mlp.down hook at layer ${layer}`);
  const base = collate(batch.bases, pad, 0);
  const put = replaceAtHook({ kind: 'mlp.down', layer }, rows.map((row) => ({ row, pos: batch.basePos[row] })), taken);
  const baseBias = biasOf(batch.bases, base.cols);
  const logits = model.forward(tensor(base.inputs, [base.rows, base.cols], { dtype: 'i32', backend: be }), { hooks: [put], ...(baseBias ? { attentionBias: baseBias } : {}) }).logits!;
  return crossEntropy(logits, tensor(base.targets, [base.rows, base.cols], { dtype: 'i32', backend: be }), tensor(base.mask, [base.rows, base.cols], { backend: be }));
}

/**
 * The key-decorrelation penalty `‖K̂ᵀK̂ / N‖²_F`: the mean squared cosine between the `N` rows of `keys`
 * (`[N, M]`, the MLP keys of the batch's real tokens) — `1/M` when they are isotropic, 1 when all are
 * parallel: how far a rank-one update `u = k/‖k‖` (ROME without second-moment whitening) reaches into
 * other prompts' keys.
 */
export function keyDecorrelationPenalty(keys: Tensor): Tensor {
  const n = keys.shape[0];
  const unit = div(keys, add(norm(keys, -1, true), 1e-6));
  const g = div(matmul(unit, unit, { transA: true }), n);
  return sum(square(g));
}

/**
 * A hook that hands `sink` the activation's rows at the pairs `at` (`[n, F]`, transformer's `selectAt`),
 * still connected to the graph (core's `captureHook` detaches), so a loss inside `valueAndGrads` may use it.
 * No `tidy` scope owns the handle: the receiver disposes it after the gradients are taken.
 */
export function pickHook(ref: ModuleRef, io: 'input' | 'output', at: At, sink: (t: Tensor) => void): Hook {
  return { ref, io, fn: (x) => void sink(untrack(selectAt(x, at.rows, at.positions))) };
}

/** The `(row, position)` pairs of the real (non-padding) input positions of collated `seqs`. */
export function realTokens(seqs: readonly Seq[]): At {
  const rows: number[] = [];
  const positions: number[] = [];
  seqs.forEach((s, r) => {
    for (let j = 0; j < s.ids.length - 1; j++) {
      rows.push(r);
      positions.push(j);
    }
  });
  return { rows, positions };
}

/** Checks `TrainConfig.interchange` and `TrainConfig.keyDecorrelation` (RangeError naming the field). */
export function checkObjectives(cfg: TrainConfig): void {
  const layers = cfg.model.numLayers;
  const layerOk = (v: number | undefined) => v === undefined || (Number.isInteger(v) && v >= 0 && v < layers);
  const ic = cfg.interchange;
  if (ic) {
    if (!(Number.isFinite(ic.weight) && ic.weight >= 0)) throw new RangeError(`interchange.weight must be a finite number >= 0, got ${ic.weight}`);
    if (ic.rows !== undefined && !(Number.isInteger(ic.rows) && ic.rows >= 1)) throw new RangeError(`interchange.rows must be an integer >= 1, got ${ic.rows}`);
    if (!layerOk(ic.layer)) throw new RangeError(`interchange.layer must be an integer in 0..${layers - 1}, got ${ic.layer}`);
    if (ic.until !== undefined && !(ic.until >= 0 && ic.until <= 1)) throw new RangeError(`interchange.until must be in [0, 1], got ${ic.until}`);
    if (ic.copy !== undefined && !(ic.copy >= 0 && ic.copy <= 1)) throw new RangeError(`interchange.copy must be in [0, 1], got ${ic.copy}`);
    if (ic.compose !== undefined && !(ic.compose >= 0 && ic.compose <= 1)) throw new RangeError(`interchange.compose must be in [0, 1], got ${ic.compose}`);
  }
  const kd = cfg.keyDecorrelation;
  if (kd) {
    if (!(Number.isFinite(kd.weight) && kd.weight >= 0)) throw new RangeError(`keyDecorrelation.weight must be a finite number >= 0, got ${kd.weight}`);
    if (!layerOk(kd.layer)) throw new RangeError(`keyDecorrelation.layer must be an integer in 0..${layers - 1}, got ${kd.layer}`);
  }
}
