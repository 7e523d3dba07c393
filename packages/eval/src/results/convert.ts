/** Plain results objects ↔ `crossedit.v1` protobuf messages. */
import { create } from '@bufbuild/protobuf';
import { FormatError } from '@crossedit/core';
import type { ItemKind } from '../data/cases.js';
import type { AggregateTable } from '../metrics/aggregate.js';
import { metricColumns, parseMetricId, type MetricId } from '../metrics/columns.js';
import { SCORER_MODES, type ScorerMode } from '../scorers/mode.js';
import { canonicalJson } from './canonical.js';
import * as pb from './gen/crossedit/v1/results_pb.js';
import { RESULTS_SCHEMA, type EditRecord, type ItemResult, type RunHeader } from './types.js';

const KINDS: readonly ItemKind[] = ['rewrite', 'rephrase', 'locality', 'portability'];

/** A header as a protobuf message (hparams as canonical JSON). */
export function headerToProto(h: RunHeader): pb.RunHeader {
  return create(pb.RunHeaderSchema, {
    schema: RESULTS_SCHEMA,
    method: h.method,
    backbone: h.backbone,
    sourceLang: h.sourceLang,
    dataset: h.dataset,
    datasetSha256: h.datasetSha256 ?? '',
    hparamsJson: canonicalJson(h.hparams),
    weightsHash: h.weightsHash ?? '',
    versions: { ...(h.versions ?? {}) },
    scorerMode: h.scorerMode,
    created: h.created,
    evalLangs: [...h.evalLangs],
    schedule: h.schedule ?? '',
    f1Tokenizer: h.f1Tokenizer ?? '',
    backend: h.backend ?? '',
    weightDtype: h.weightDtype ?? '',
  });
}

/** A header from its protobuf message; `file` is named in errors. */
export function headerFromProto(m: pb.RunHeader, file: string): RunHeader {
  if (m.schema !== RESULTS_SCHEMA) throw new FormatError(file, `header: expected schema "${RESULTS_SCHEMA}", got ${JSON.stringify(m.schema)}`);
  if (!SCORER_MODES.includes(m.scorerMode as ScorerMode)) throw new FormatError(file, `header: unknown scorer_mode ${JSON.stringify(m.scorerMode)}`);
  let hparams: Record<string, unknown>;
  try {
    hparams = JSON.parse(m.hparamsJson || '{}') as Record<string, unknown>;
  } catch (e) {
    throw new FormatError(file, `header: hparams_json is not JSON (${(e as Error).message})`);
  }
  const h: RunHeader = {
    method: m.method,
    backbone: m.backbone,
    sourceLang: m.sourceLang,
    dataset: m.dataset,
    hparams,
    scorerMode: m.scorerMode as ScorerMode,
    created: m.created,
    evalLangs: [...m.evalLangs],
    versions: { ...m.versions },
  };
  if (m.datasetSha256) h.datasetSha256 = m.datasetSha256;
  if (m.weightsHash) h.weightsHash = m.weightsHash;
  if (m.schedule) h.schedule = m.schedule;
  if (m.f1Tokenizer) h.f1Tokenizer = m.f1Tokenizer;
  if (m.backend) h.backend = m.backend;
  if (m.weightDtype) h.weightDtype = m.weightDtype;
  return h;
}

/** An edit record as a protobuf message. */
export function recordToProto(r: EditRecord): pb.EditRecord {
  const diagnostics: Record<string, pb.DiagnosticValue> = {};
  for (const [k, v] of Object.entries(r.diagnostics)) {
    diagnostics[k] = create(pb.DiagnosticValueSchema, { value: typeof v === 'number' ? { case: 'number', value: v } : { case: 'text', value: String(v) } });
  }
  return create(pb.EditRecordSchema, {
    recordIndex: r.recordIndex,
    requestId: r.requestId,
    request: { prompt: r.request.prompt, subject: r.request.subject, target: r.request.target, groundTruth: r.request.groundTruth ?? '', lang: r.request.lang },
    items: r.items.map((it) => ({
      metric: it.metric,
      kind: it.kind,
      lang: it.lang,
      prompt: it.prompt,
      target: it.target,
      labels: [...it.labels],
      predictions: [...it.predictions],
      prePredictions: [...it.prePredictions],
      answer: it.answer,
      preAnswer: it.preAnswer,
      reference: it.reference,
      tokenAcc: it.tokenAcc,
      f1: it.f1,
      em: it.em,
    })),
    diagnostics,
    timings: { ...r.timings },
    error: r.error ?? '',
  });
}

/** An edit record from its protobuf message; `where` is named in errors. */
export function recordFromProto(m: pb.EditRecord, file: string, where: string): EditRecord {
  const items: ItemResult[] = m.items.map((it, i) => {
    try {
      parseMetricId(it.metric);
    } catch (e) {
      throw new FormatError(file, `${where}, items[${i}].metric: ${(e as Error).message}`);
    }
    if (!KINDS.includes(it.kind as ItemKind)) throw new FormatError(file, `${where}, items[${i}].kind: expected one of ${KINDS.join(', ')}, got ${JSON.stringify(it.kind)}`);
    return {
      metric: it.metric as MetricId,
      kind: it.kind as ItemKind,
      lang: it.lang,
      prompt: it.prompt,
      target: it.target,
      labels: [...it.labels],
      predictions: [...it.predictions],
      prePredictions: [...it.prePredictions],
      answer: it.answer,
      preAnswer: it.preAnswer,
      reference: it.reference,
      tokenAcc: it.tokenAcc,
      f1: it.f1,
      em: it.em,
    };
  });
  const diagnostics: Record<string, number | string> = {};
  for (const [k, v] of Object.entries(m.diagnostics)) {
    if (v.value.case === 'number' || v.value.case === 'text') diagnostics[k] = v.value.value;
  }
  const req = m.request ?? create(pb.EditRequestInfoSchema);
  const t = m.timings ?? create(pb.TimingsSchema);
  const r: EditRecord = {
    recordIndex: m.recordIndex,
    requestId: m.requestId,
    request: { prompt: req.prompt, subject: req.subject, target: req.target, lang: req.lang },
    items,
    diagnostics,
    timings: { editMs: t.editMs, evaluateMs: t.evaluateMs, restoreMs: t.restoreMs, totalMs: t.totalMs },
  };
  if (req.groundTruth) r.request.groundTruth = req.groundTruth;
  if (m.error) r.error = m.error;
  return r;
}

/** An aggregate table as a protobuf message. */
export function aggregateToProto(t: AggregateTable, scorerMode: string): pb.Aggregate {
  return create(pb.AggregateSchema, {
    metrics: t.columns.map((c, i) => ({ metric: c.id, label: c.label, f1: t.f1[i] ?? Number.NaN, em: t.em[i] ?? Number.NaN, tokenAcc: t.tokenAcc[i] ?? Number.NaN, count: t.counts[i] })),
    edits: t.edits,
    scorerMode,
  });
}

/** An aggregate table from its protobuf message (`failed` is not stored and reads as 0). */
export function aggregateFromProto(m: pb.Aggregate, langs: readonly string[]): AggregateTable {
  const columns = metricColumns(langs);
  const by = new Map(m.metrics.map((x) => [x.metric, x]));
  const val = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? null : x);
  return {
    columns,
    f1: columns.map((c) => val(by.get(c.id)?.f1)),
    em: columns.map((c) => val(by.get(c.id)?.em)),
    tokenAcc: columns.map((c) => val(by.get(c.id)?.tokenAcc)),
    counts: columns.map((c) => by.get(c.id)?.count ?? 0),
    edits: m.edits,
    failed: 0,
  };
}
