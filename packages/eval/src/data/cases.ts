/** Edit requests and the evaluation items of both languages, from a dataset record. */
import type { EditRequest, EditSurface } from '@crossedit/core';
import type { MetricId } from '../metrics/columns.js';
import { scoringRules, type ScorerMode } from '../scorers/mode.js';
import type { BiZsreRecord, ZsreRecord } from './types.js';

/** What an evaluation item measures. */
export type ItemKind = 'rewrite' | 'rephrase' | 'locality' | 'portability';

/** One question the edited model is scored on, teacher-forced with `target`. */
export interface EvalItem {
  /** The metric column it counts towards. */
  metric: MetricId;
  kind: ItemKind;
  /** Language of `prompt`. */
  lang: string;
  /** The question. */
  prompt: string;
  /**
   * The continuation the model is teacher-forced with: the new answer (rewrite, rephrase), the gold
   * `loc_ans` (locality; scored post-edit against pre-edit, not against this), or the portability answer.
   */
  target: string;
  /**
   * The edit's new answer in this item's language (Bi-ZsRE: that language's `alt`). A prompt-surface
   * method's fact line states it under the `bizsre-*` scorer modes (see `ScoringRules.factTarget`).
   */
  factTarget?: string;
}

/** An edit request and everything evaluated for it. */
export interface EditCase {
  /** Index of the record in its file. */
  recordIndex: number;
  request: EditRequest;
  /** Items in the table's column order. */
  items: readonly EvalItem[];
}

/** Options of the case builders. */
export interface CaseOptions {
  /** Scorer mode; `bizsre-2023` changes the reliability target (default `correct`). */
  mode?: ScorerMode;
  /**
   * Where the method's edit lives (its `EditMethod.edits`, default `weights`); prompt edits (IKE) are
   * exempt from the `bizsre-2023` reliability quirk (the paper's IKE path kept the source language).
   */
  edits?: EditSurface;
}

/** The request id of a record and source language: `"12:en"`. */
export function requestId(recordIndex: number, lang: string): string {
  return `${recordIndex}:${lang}`;
}

/**
 * The edit request of a Bi-ZsRE record in a source language: prompt = src, target = alt, subject
 * (no ground truth: Bi-ZsRE has no old answers).
 * @throws Error when the record has no such language.
 */
export function biZsreRequest(record: BiZsreRecord, srcLang: string): EditRequest {
  const s = record.sides[srcLang];
  if (!s) throw new Error(`record ${record.index} has no language "${srcLang}" (it has ${Object.keys(record.sides).join(', ')})`);
  return { id: requestId(record.index, srcLang), prompt: s.src, subject: s.subject, target: s.alt, lang: srcLang };
}

/**
 * The edit case of a Bi-ZsRE record: the source-language request, then reliability (source prompt),
 * generality (rephrase, each language against its own `alt`), locality (`loc` with `loc_ans`) and
 * portability (New Question with New Answer) in both languages, in the table's column order.
 * @example
 * const c = biZsreCase(ds.records[0], ds.languages, 'zh');
 * c.items.map((i) => i.metric); // ['reliability', 'generality.en', 'generality.zh', 'locality.en', ...]
 */
export function biZsreCase(record: BiZsreRecord, languages: readonly string[], srcLang: string, opts: CaseOptions = {}): EditCase {
  const request = biZsreRequest(record, srcLang);
  const rules = scoringRules(opts.mode ?? 'correct');
  const src = record.sides[srcLang];
  let reliabilityTarget = src.alt;
  if (rules.reliabilityTarget === 'english-except-prompt-edits' && (opts.edits ?? 'weights') !== 'prompt') {
    reliabilityTarget = (record.sides.en ?? record.sides[languages[0]]).alt;
  }
  const items: EvalItem[] = [{ metric: 'reliability', kind: 'rewrite', lang: srcLang, prompt: src.src, target: reliabilityTarget, factTarget: src.alt }];
  const fact = (l: string) => record.sides[l].alt;
  for (const l of languages) items.push({ metric: `generality.${l}`, kind: 'rephrase', lang: l, prompt: record.sides[l].rephrase, target: record.sides[l].alt, factTarget: fact(l) });
  for (const l of languages) items.push({ metric: `locality.${l}`, kind: 'locality', lang: l, prompt: record.sides[l].loc, target: record.sides[l].locAns, factTarget: fact(l) });
  for (const l of languages) {
    const p = record.sides[l].portability;
    items.push({ metric: `portability.${l}`, kind: 'portability', lang: l, prompt: p.question, target: p.answer, factTarget: fact(l) });
  }
  return { recordIndex: record.index, request, items };
}

/** The edit request of a ZsRE record: prompt = src, target = alt, subject, groundTruth = answers[0]. */
export function zsreRequest(record: ZsreRecord, lang: string): EditRequest {
  const req: EditRequest = { id: requestId(record.index, lang), prompt: record.src, subject: record.subject, target: record.alt, lang };
  if (record.answers.length > 0) req.groundTruth = record.answers[0];
  return req;
}

/**
 * The edit case of a ZsRE record (one language): reliability, generality, locality, and portability
 * when the record has it.
 */
export function zsreCase(record: ZsreRecord, lang: string): EditCase {
  const items: EvalItem[] = [
    { metric: 'reliability', kind: 'rewrite', lang, prompt: record.src, target: record.alt, factTarget: record.alt },
    { metric: `generality.${lang}`, kind: 'rephrase', lang, prompt: record.rephrase, target: record.alt, factTarget: record.alt },
    { metric: `locality.${lang}`, kind: 'locality', lang, prompt: record.loc, target: record.locAns, factTarget: record.alt },
  ];
  if (record.portability) items.push({ metric: `portability.${lang}`, kind: 'portability', lang, prompt: record.portability.question, target: record.portability.answer, factTarget: record.alt });
  return { recordIndex: record.index, request: zsreRequest(record, lang), items };
}
