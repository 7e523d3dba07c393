/**
 * The training-scale data the report draws as the paper's Figure 3 (SERAC, IKE, MEND at 100 / 500 / 1K /
 * 3K / 5K training samples). The file (`crossedit.training-scale/1`) is written by the trained-editor
 * training command; the grid only reads it, and says so in the report when there is none.
 */
import { existsSync, readFileSync } from 'node:fs';

/** One plotted number (×100). */
export interface TrainingScalePoint {
  method: string;
  backbone: string;
  sourceLang: string;
  trainSamples: number;
  /** `reliability`, `generality`, `locality`, `portability`. */
  metric: string;
  evalLang: string;
  /** `f1`, `em` or `tokenAcc`. */
  score: string;
  value: number;
  artifact?: string;
}

/** The file. */
export interface TrainingScaleFile {
  format: 'crossedit.training-scale/1';
  created: string;
  sizes: (number | null)[];
  points: TrainingScalePoint[];
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
