/** The results of a run as plain objects (the protobuf messages of `crossedit.v1`, flattened for use). */
import type { ItemKind } from '../data/cases.js';
import type { MetricId } from '../metrics/columns.js';
import type { ScorerMode } from '../scorers/mode.js';

/** The schema id written in every header. */
export const RESULTS_SCHEMA = 'crossedit.v1';

/** What was run. Fields marked "compared" must match for a run to resume into existing results. */
export interface RunHeader {
  /** Method id (compared). */
  method: string;
  /** Backbone id (compared). */
  backbone: string;
  /** Source language of the edits (compared). */
  sourceLang: string;
  /** Dataset identity, e.g. its file name (compared). */
  dataset: string;
  /** sha256 of the dataset file (compared when both runs have it). */
  datasetSha256?: string;
  /** Hyperparameters (compared as canonical JSON). */
  hparams: Record<string, unknown>;
  /** Hash of the unedited weights (compared when both runs have it). */
  weightsHash?: string;
  /** Package and tool versions. */
  versions?: Record<string, string>;
  /** Scorer mode (compared). */
  scorerMode: ScorerMode;
  /** ISO 8601 time of the first start. */
  created: string;
  /** Evaluation languages in table order. */
  evalLangs: string[];
  /** Schedule, e.g. `single`, `batch:8` (compared when both runs have it). */
  schedule?: string;
  /** The F1 tokenizer's id (compared when both runs have it). */
  f1Tokenizer?: string;
  /** The compute backend of the first start (`cpu`, `webgpu`); not compared, a resume on another one is warned about. */
  backend?: string;
  /**
   * Storage dtype of the weight matrices: `f32`, `f16` (half precision on the device) or `f16-widened`
   * (f16 values on a CPU backend); compared when both runs have it.
   */
  weightDtype?: string;
}

/** One scored item of an edit. */
export interface ItemResult {
  metric: MetricId;
  kind: ItemKind;
  lang: string;
  prompt: string;
  target: string;
  labels: number[];
  predictions: number[];
  prePredictions: number[];
  answer: string;
  preAnswer: string;
  reference: string;
  tokenAcc: number;
  f1: number;
  em: number;
}

/** Wall-clock timings in milliseconds. */
export interface Timings {
  editMs: number;
  evaluateMs: number;
  restoreMs: number;
  totalMs: number;
}

/** The request as applied. */
export interface RequestInfo {
  prompt: string;
  subject: string;
  target: string;
  groundTruth?: string;
  lang: string;
}

/** The outcome of one edit. */
export interface EditRecord {
  /** Index of the record in the dataset file. */
  recordIndex: number;
  /** The request id (`12:en`): the unit of resumption. */
  requestId: string;
  request: RequestInfo;
  items: ItemResult[];
  diagnostics: Record<string, number | string>;
  timings: Timings;
  /** Set when the edit failed. */
  error?: string;
}
