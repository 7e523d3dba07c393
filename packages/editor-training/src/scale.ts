/**
 * The training-scale study (the paper's Figure 3: performance against the number of training samples,
 * 100 / 500 / 1K / 3K / 5K, for SERAC, IKE and MEND): the sizes, and the JSON the grid report draws.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/** The paper's training sizes (`null` = the whole file). */
export const TRAINING_SCALE_SIZES: readonly (number | null)[] = [100, 500, 1000, 3000, 5000, null];

/** One plotted number. */
export interface TrainingScalePoint {
  method: string;
  backbone: string;
  /** Language of the edits. */
  sourceLang: string;
  /** Training samples used (the actual count when the size was "all"). */
  trainSamples: number;
  /** `reliability`, `generality`, `locality`, `portability`. */
  metric: string;
  /** Language the metric was measured in. */
  evalLang: string;
  /** `f1`, `em` or `tokenAcc`, ×100. */
  score: string;
  value: number;
  /** The artifact evaluated (path or id), for provenance. */
  artifact?: string;
}

/** The file format (`crossedit.training-scale/1`). */
export interface TrainingScaleFile {
  format: 'crossedit.training-scale/1';
  created: string;
  sizes: (number | null)[];
  points: TrainingScalePoint[];
}

/**
 * Writes the training-scale data (what `grid` draws as Figure 3).
 *
 * @example
 * ```ts
 * writeTrainingScale('results/training-scale.json', points);
 * ```
 */
export function writeTrainingScale(path: string, points: readonly TrainingScalePoint[], sizes: readonly (number | null)[] = TRAINING_SCALE_SIZES): TrainingScaleFile {
  const file: TrainingScaleFile = { format: 'crossedit.training-scale/1', created: new Date().toISOString(), sizes: [...sizes], points: [...points] };
  writeFileSync(path, JSON.stringify(file, null, 1) + '\n');
  return file;
}

/**
 * Reads a training-scale file; undefined when it does not exist.
 * @throws Error naming the file and the field when it is not a `crossedit.training-scale/1` file.
 */
export function readTrainingScale(file: string): TrainingScaleFile | undefined {
  if (!existsSync(file)) return undefined;
  let d: unknown;
  try {
    d = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: not JSON (${(e as Error).message})`);
  }
  const o = d as Partial<TrainingScaleFile>;
  if (!o || o.format !== 'crossedit.training-scale/1') throw new Error(`${file}: field "format": expected "crossedit.training-scale/1", got ${JSON.stringify(o?.format)}`);
  if (!Array.isArray(o.points)) throw new Error(`${file}: field "points": expected a list`);
  o.points.forEach((p, i) => {
    for (const k of ['method', 'sourceLang', 'metric', 'evalLang', 'score'] as const) if (typeof p[k] !== 'string') throw new Error(`${file}: points[${i}].${k}: expected a string, got ${JSON.stringify(p[k])}`);
    for (const k of ['trainSamples', 'value'] as const) if (typeof p[k] !== 'number' || !Number.isFinite(p[k])) throw new Error(`${file}: points[${i}].${k}: expected a finite number, got ${JSON.stringify(p[k])}`);
  });
  return o as TrainingScaleFile;
}

/** The aggregate table of one evaluation run, as `@crossedit/eval` computes it (only what is read here). */
export interface AggregateLike {
  columns: readonly { family: string; lang?: string }[];
  f1: readonly (number | null)[];
  em: readonly (number | null)[];
  tokenAcc: readonly (number | null)[];
}

/**
 * The points of one evaluation run (one method, training size and edit language), every column and
 * score ×100 — what the grid collects for each size before {@link writeTrainingScale}.
 *
 * @example
 * ```ts
 * const pts = trainingScalePoints(table, { method: 'mend', backbone: 'tiny', sourceLang: 'en', trainSamples: 500 });
 * ```
 */
export function trainingScalePoints(table: AggregateLike, run: { method: string; backbone: string; sourceLang: string; trainSamples: number; artifact?: string }): TrainingScalePoint[] {
  const out: TrainingScalePoint[] = [];
  table.columns.forEach((c, i) => {
    for (const score of ['f1', 'em', 'tokenAcc'] as const) {
      const v = table[score][i];
      if (v === null || v === undefined) continue;
      out.push({ ...run, metric: c.family, evalLang: c.lang ?? run.sourceLang, score, value: Math.round(v * 1e4) / 1e2 });
    }
  });
  return out;
}
