/**
 * `@crossedit/eval`: Bi-ZsRE / MzsRE / ZsRE datasets, edit requests and evaluation items, the scorers
 * (token accuracy, F1/EM, the `bizsre-2023` / `bizsre-2024` compatibility modes), the aggregate table, and results as
 * `crossedit.v1` protobuf + JSON Lines, appended so an interrupted run resumes.
 *
 * @packageDocumentation
 */
export type { BiZsreSide, BiZsreRecord, BiZsreDataset, ZsreRecord, ZsreDataset, TrainingPair, LoadOptions } from './data/types.js';
export { loadBiZsre, parseBiZsre } from './data/bizsre.js';
export { loadZsre, parseZsre } from './data/zsre.js';
export { readTextFile, parseJson, type FileText } from './data/file.js';
export { firstInvalidUtf8 } from './data/utf8.js';
export { loadTrainingPairs, parseTrainingLines, findTrainingFiles, type TrainingLine, type TrainingSet } from './data/training.js';
export { selectSubset, parseIdList, type SubsetOptions } from './data/subset.js';
export {
  biZsreCase,
  biZsreRequest,
  zsreCase,
  zsreRequest,
  requestId,
  type ItemKind,
  type EvalItem,
  type EditCase,
  type CaseOptions,
} from './data/cases.js';

export { scoringRules, SCORER_MODES, type ScorerMode, type ScoringRules } from './scorers/mode.js';
export { tokenAccuracy } from './scorers/tokenAccuracy.js';
export {
  tokenF1,
  multisetOverlap,
  exactMatch,
  textScores,
  tokenizeForF1,
  DEFAULT_F1_TOKENIZER,
  type F1Formula,
  type TextTokenize,
  type TextScores,
} from './scorers/f1.js';
export {
  planTeacherForcing,
  planInContext,
  readPredictions,
  type TeacherForcingPlan,
  type ReadPoint,
  type PlanInput,
  type PlanOptions,
} from './scorers/teacherForcing.js';
export { scoreItem, type ItemScores, type ScoreContext } from './scorers/scoreItem.js';

export { metricColumns, parseMetricId, langLabel, type MetricId, type MetricFamily, type MetricColumn } from './metrics/columns.js';
export { aggregateRecords, type AggregateTable, type ScoredRecord } from './metrics/aggregate.js';
export { formatTable, toMarkdown, type RenderOptions, type TableRow } from './metrics/render.js';

export { RESULTS_SCHEMA, type RunHeader, type EditRecord, type ItemResult, type Timings, type RequestInfo } from './results/types.js';
export { canonicalJson } from './results/canonical.js';
export { compareHeaders, ResultsMismatchError, type HeaderDifference } from './results/header.js';
export { resultsPaths } from './results/files.js';
export { checkResultsDir, ResultsDirError } from './results/outdir.js';
export { acquireResultsLock, DirLock, ResultsLockedError, LOCK_FILE, type LockHolder } from './results/lock.js';
export { ResultsWriter, type ResultsWriterOptions, type RecoveryReport } from './results/writer.js';
export { readResults, type ResultsContent } from './results/reader.js';
export { parseFrames, parseJsonLines, encodeFrame, encodeJsonLine, type ParsedStream } from './results/stream.js';
export { headerToProto, headerFromProto, recordToProto, recordFromProto, aggregateToProto, aggregateFromProto } from './results/convert.js';
/** The generated `crossedit.v1` protobuf messages and schemas. */
export * as pb from './results/gen/crossedit/v1/results_pb.js';

export * from './runner/index.js';
