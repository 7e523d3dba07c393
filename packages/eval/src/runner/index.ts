export { argmaxRows, type ArgmaxOptions } from './argmax.js';
export { parseSchedule, scheduleName, scheduleGroups, type Schedule } from './schedule.js';
export { predictItems, preEditItems, scoreCase, type ItemPredictions, type PredictOptions } from './evaluate.js';
export { runEval, checkSchedule, preEditCache, UnsupportedScheduleError, type EvalRunOptions, type PreEditCache } from './run.js';
export { unscorableReason, itemField } from './fit.js';
