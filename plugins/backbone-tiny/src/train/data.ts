/** Training sequences from the corpus, and the seeded, length-bucketed batch order. */
import { Rng } from '@crossedit/core';
import type { Corpus, Fact } from '../corpus/build.js';
import { qaText } from '../corpus/build.js';
import type { TrainConfig } from './config.js';

/** Encodes text to ids without special tokens. */
export type EncodeFn = (texts: string[]) => Promise<number[][]>;

/** Special ids the sequences use. */
export interface SeqSpecials {
  bos: number;
  eos: number;
  pad: number;
}

/** One training or evaluation sequence: `BOS text EOS`. */
export interface Seq {
  ids: number[];
  /** Index in `ids` of the first answer token (QA lines), or -1. */
  answerStart: number;
  /** Index in `ids` one past the last answer token (before EOS), or -1. */
  answerEnd: number;
  lang: 'en' | 'zh' | 'en-zh' | 'zh-en';
  /** The fact id of fact lines. */
  fact?: number;
  /**
   * `[first, last]` indices in `ids` of the subject's tokens, when the line's prompt contains the fact's
   * subject (`last` by ROME's rule: `|tok(prefix + subject)|` with BOS, minus one). Used by
   * `subjectBottleneck`.
   */
  subject?: [number, number];
}

/** The tokenized data of a run. */
export interface TrainData {
  /** The lines of one epoch. */
  train: Seq[];
  /** Ids of the training facts. */
  factIds: number[];
  /** Question-answer sequences of the first `evalFacts` training facts, per language. */
  evalFacts: { en: Seq[]; zh: Seq[] };
  /** Question-answer sequences of the first `heldOutFacts` held-out facts (both languages). */
  heldOut: Seq[];
  /** `rephrase answer` sequences of the training facts whose rephrase was held out (`heldOutRephraseEvery`). */
  heldOutRephrases: Seq[];
  /** Lines left out for being longer than `maxLen`. */
  dropped: number;
}

/** A repeat count of the config (`name`; absent: 1), checked to be an integer >= 1. */
function repeatCount(name: string, value: number | undefined): number {
  const n = value ?? 1;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`prepareData: ${name} must be an integer >= 1, got ${n}`);
  return n;
}

/** Appends `lines[from..]` again until they occur `times` times in all. */
function repeatFrom<T>(lines: T[], from: number, times: number): void {
  const once = lines.slice(from);
  for (let r = 1; r < times; r++) lines.push(...once);
}

/**
 * Tokenizes a corpus for a config: per training fact an English and a Chinese `question answer` line
 * and (with `pairedLines`) one bilingual line, English first for even fact ids and Chinese first for odd
 * ones; plus `extraLines` other lines picked with the seed.
 */
export async function prepareData(corpus: Corpus, cfg: TrainConfig, encode: EncodeFn, sp: SeqSpecials): Promise<TrainData> {
  const facts = corpus.facts.slice(0, cfg.facts);
  if (facts.length < cfg.facts) throw new RangeError(`prepareData: config asks for ${cfg.facts} facts, the corpus has ${corpus.facts.length}`);
  const qa = async (items: { q: string; a: string; subject?: string; subjectFrom?: number }[]): Promise<{ ids: number[]; answerStart: number; answerEnd: number; subject?: [number, number] }[]> => {
    const full = await encode(items.map(qaText));
    const prompts = await encode(items.map((x) => x.q));
    const spans = await subjectSpans(items, encode);
    return full.map((ids, i) => {
      const p = prompts[i];
      if (p.length >= ids.length || p.some((id, j) => id !== ids[j])) {
        throw new Error(`prepareData: the tokens of '${items[i].q}' are not a prefix of those of '${qaText(items[i])}'`);
      }
      const span = spans[i];
      return { ids: [sp.bos, ...ids, sp.eos], answerStart: 1 + p.length, answerEnd: 1 + ids.length, ...(span && span[1] < p.length ? { subject: [1 + span[0], 1 + span[1]] as [number, number] } : {}) };
    });
  };
  const factSeqs = async (fs: Fact[]): Promise<{ en: Seq[]; zh: Seq[] }> => {
    const en = await qa(fs.map((f) => ({ ...f.en, subject: f.subject })));
    const zh = await qa(fs.map((f) => ({ ...f.zh, subject: f.subject })));
    return {
      en: en.map((s, i) => ({ ...s, lang: 'en' as const, fact: fs[i].id })),
      zh: zh.map((s, i) => ({ ...s, lang: 'zh' as const, fact: fs[i].id })),
    };
  };
  const plain = async (texts: string[]): Promise<number[][]> => (await encode(texts)).map((ids) => [sp.bos, ...ids, sp.eos]);

  const own = await factSeqs(facts);
  const lines: Seq[] = [...own.en, ...own.zh];
  const every = cfg.heldOutRephraseEvery ?? 0;
  const withRephrase = facts.map((f, i) => ({ f, held: every > 0 && i % every === every - 1 })).filter((x) => x.f.enRephrase);
  const rephraseSeqs = async (xs: Fact[]): Promise<Seq[]> =>
    (await qa(xs.map((f) => ({ q: f.enRephrase!, a: f.en.a, subject: f.subject })))).map((s, i) => ({ ...s, lang: 'en' as const, fact: xs[i].id }));
  if (cfg.rephraseLines) lines.push(...(await rephraseSeqs(withRephrase.filter((x) => !x.held).map((x) => x.f))));
  const statements = async (fs: Fact[]): Promise<void> => {
    const withSubject = fs.filter((f) => f.subject && f.subject !== f.en.q);
    const tpl = cfg.statementTemplate ?? '{}';
    if (tpl.split('{}').length !== 2) throw new RangeError(`prepareData: statementTemplate must contain {} (the subject) exactly once, got '${tpl}'`);
    (await qa(withSubject.map((f) => ({ q: tpl.replace('{}', () => f.subject!), a: f.en.a, subject: f.subject })))).forEach((s, i) => lines.push({ ...s, lang: 'en', fact: withSubject[i].id }));
  };
  if (cfg.statementLines) await statements(facts);
  if (cfg.subjectFirstLines) {
    // `subject: question-with-the-subject-replaced-by-"it" answer`: the subject first, then the relation
    const xs = facts.filter((f) => f.subject && f.subject !== f.en.q && f.en.q.includes(f.subject));
    const q = xs.map((f) => ({ q: `${f.subject}: ${f.en.q.replace(f.subject!, () => 'it')}`, a: f.en.a, subject: f.subject }));
    (await qa(q)).forEach((s, i) => lines.push({ ...s, lang: 'en', fact: xs[i].id }));
  }
  const prefixed = cfg.prefixedLines ?? 0;
  if (!Number.isInteger(prefixed) || prefixed < 0) throw new RangeError(`prepareData: prefixedLines must be an integer >= 0, got ${prefixed}`);
  if (prefixed > 0) {
    const rng = new Rng((cfg.seed ^ 0x9f1e) >>> 0);
    const items: { q: string; a: string; subject?: string; subjectFrom: number; fact: number }[] = [];
    for (const f of facts) {
      for (let k = 0; k < prefixed; k++) {
        const other = facts[rng.int(facts.length)].en.q.split(' ');
        const pre = `${other.slice(0, 1 + rng.int(Math.min(9, other.length))).join(' ')}. `;
        items.push({ q: pre + f.en.q, a: f.en.a, subject: f.subject, subjectFrom: pre.length, fact: f.id });
      }
    }
    (await qa(items)).forEach((s, i) => lines.push({ ...s, lang: 'en', fact: items[i].fact }));
  }
  repeatFrom(lines, 0, repeatCount('factRepeats', cfg.factRepeats));
  const more = cfg.statementOnlyFacts ?? 0;
  const withQa = cfg.statementQaFacts ?? 0;
  if (!Number.isInteger(withQa) || withQa < 0 || withQa > more) throw new RangeError(`prepareData: statementQaFacts must be an integer in 0..statementOnlyFacts (${more}), got ${withQa}`);
  if (more > 0) {
    const extraFacts = corpus.facts.slice(cfg.facts, cfg.facts + more);
    if (extraFacts.length < more) throw new RangeError(`prepareData: config asks for ${cfg.facts} + ${more} facts (statementOnlyFacts), the corpus has ${corpus.facts.length}`);
    const st0 = lines.length;
    await statements(extraFacts);
    repeatFrom(lines, st0, repeatCount('statementRepeats', cfg.statementRepeats));
    const qaFacts = extraFacts.slice(0, withQa);
    (await qa(qaFacts.map((f) => ({ ...f.en, subject: f.subject })))).forEach((s, i) => lines.push({ ...s, lang: 'en', fact: qaFacts[i].id }));
  }
  const copies = cfg.copyLines ?? 0;
  if (!Number.isInteger(copies) || copies < 0) throw new RangeError(`prepareData: copyLines must be an integer >= 0, got ${copies}`);
  if (copies > 0) {
    const fs = corpus.facts.slice(0, copies);
    const answers = [
      ...new Set([
        ...fs.map((f) => f.en.a),
        ...(cfg.copySubjects ? fs.flatMap((f) => (f.subject ? [f.subject] : [])) : []),
        ...(cfg.copyTrueAnswers ? fs.flatMap((f) => (f.trueAnswer ? [f.trueAnswer] : [])) : []),
      ]),
    ];
    (await qa(answers.map((a) => ({ q: `${a}?`, a, subject: a })))).forEach((s) => lines.push({ ...s, lang: 'en' }));
  }
  const locs = cfg.locLines ?? 0;
  if (!Number.isInteger(locs) || locs < 0) throw new RangeError(`prepareData: locLines must be an integer >= 0, got ${locs}`);
  if (locs > 0) {
    const seen = new Set<string>();
    const pairs = corpus.facts.slice(0, locs).flatMap((f) => (f.loc && !seen.has(f.loc.q) && seen.add(f.loc.q) ? [f.loc] : []));
    (await qa(pairs)).forEach((s) => lines.push({ ...s, lang: 'en' }));
  }
  const heldOutRephrases = (await rephraseSeqs(withRephrase.filter((x) => x.held).map((x) => x.f))).filter((s) => s.ids.length <= cfg.maxLen);
  if (cfg.pairedLines) {
    const texts = facts.map((f) => (f.id % 2 === 0 ? `${qaText(f.en)} ${qaText(f.zh)}` : `${qaText(f.zh)} ${qaText(f.en)}`));
    (await plain(texts)).forEach((ids, i) => lines.push({ ids, answerStart: -1, answerEnd: -1, lang: facts[i].id % 2 === 0 ? 'en-zh' : 'zh-en', fact: facts[i].id }));
  }
  if (cfg.extraLines > 0) {
    const order = shuffled(corpus.extra.length, new Rng(cfg.seed ^ 0x5eed));
    const picked = order.slice(0, cfg.extraLines).map((i) => corpus.extra[i]);
    (await plain(picked.map((e) => e.text))).forEach((ids, i) => lines.push({ ids, answerStart: -1, answerEnd: -1, lang: picked[i].lang }));
  }
  if (cfg.extraKinds?.length) {
    const known = ['dev-qa', 'dev-rephrase', 'test-question', 'test-rephrase', 'loc'];
    for (const k of cfg.extraKinds) if (!known.includes(k)) throw new RangeError(`prepareData: extraKinds entries must be one of ${known.join(', ')}, got '${k}'`);
    for (const l of cfg.extraLangs ?? []) if (l !== 'en' && l !== 'zh') throw new RangeError(`prepareData: extraLangs entries must be 'en' or 'zh', got '${l}'`);
    const kinds = new Set(cfg.extraKinds);
    const langs = new Set(cfg.extraLangs ?? ['en', 'zh']);
    const picked = corpus.extra.filter((e) => kinds.has(e.kind) && langs.has(e.lang));
    (await plain(picked.map((e) => e.text))).forEach((ids, i) => lines.push({ ids, answerStart: -1, answerEnd: -1, lang: picked[i].lang }));
  }
  const train = lines.filter((s) => s.ids.length <= cfg.maxLen);
  const nEval = cfg.evalFacts > 0 ? cfg.evalFacts : facts.length;
  const evalOwn = { en: own.en.slice(0, nEval), zh: own.zh.slice(0, nEval) };
  const held = await factSeqs(corpus.heldOut.slice(0, cfg.heldOutFacts > 0 ? cfg.heldOutFacts : corpus.heldOut.length));
  return {
    train,
    factIds: facts.map((f) => f.id),
    evalFacts: evalOwn,
    heldOut: [...held.en, ...held.zh].filter((s) => s.ids.length <= cfg.maxLen),
    heldOutRephrases,
    dropped: lines.length - train.length,
  };
}

/**
 * Token spans `[first, last]` (without BOS) of each item's subject in its prompt `q`, or undefined where
 * the prompt does not contain it: `first` is the number of tokens of the text before the subject,
 * `last` ROME's subject-last rule, `|tok(q up to the subject's end)| - 1`.
 */
async function subjectSpans(items: readonly { q: string; subject?: string; subjectFrom?: number }[], encode: EncodeFn): Promise<([number, number] | undefined)[]> {
  const at = items.map((x) => (x.subject ? x.q.indexOf(x.subject, x.subjectFrom ?? 0) : -1));
  const idx = items.map((_, i) => i).filter((i) => at[i] >= 0);
  const before = await encode(idx.map((i) => items[i].q.slice(0, at[i]).trimEnd()));
  const through = await encode(idx.map((i) => items[i].q.slice(0, at[i] + items[i].subject!.length)));
  const out: ([number, number] | undefined)[] = items.map(() => undefined);
  idx.forEach((i, k) => {
    const first = at[i] === 0 ? 0 : before[k].length;
    const last = through[k].length - 1;
    if (last >= first) out[i] = [first, last];
  });
  return out;
}

/** A Fisher-Yates permutation of `0..n-1`. */
export function shuffled(n: number, rng: Rng): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

/**
 * The batch order: each epoch is a seeded permutation of the lines, cut into groups of 16 batches that are
 * sorted by length (so a batch pads little) and visited in a seeded order. The batch of a step depends
 * only on the seed, the lines and the step, so a resumed run sees the batches an uninterrupted one would.
 */
export class BatchSchedule {
  readonly stepsPerEpoch: number;
  #epoch = -1;
  #batches: number[][] = [];

  constructor(
    readonly lines: readonly Seq[],
    readonly batchSize: number,
    readonly seed: number,
  ) {
    if (lines.length === 0) throw new RangeError('BatchSchedule: no training lines');
    this.stepsPerEpoch = Math.ceil(lines.length / batchSize);
  }

  /** The line indices of the batch at a 0-based step. */
  batch(step: number): number[] {
    const epoch = Math.floor(step / this.stepsPerEpoch);
    if (epoch !== this.#epoch) {
      this.#batches = this.#epochBatches(epoch);
      this.#epoch = epoch;
    }
    return this.#batches[step % this.stepsPerEpoch];
  }

  #epochBatches(epoch: number): number[][] {
    const rng = new Rng((this.seed + Math.imul(epoch + 1, 0x9e3779b1)) >>> 0);
    const perm = shuffled(this.lines.length, rng);
    const group = this.batchSize * 16;
    const out: number[][] = [];
    for (let g = 0; g < perm.length; g += group) {
      const chunk = perm.slice(g, g + group).sort((a, b) => this.lines[a].ids.length - this.lines[b].ids.length || a - b);
      const batches: number[][] = [];
      for (let i = 0; i < chunk.length; i += this.batchSize) batches.push(chunk.slice(i, i + this.batchSize));
      for (const k of shuffled(batches.length, rng)) out.push(batches[k]);
    }
    return out;
  }
}

/**
 * Right-padded inputs, next-token targets and the loss mask of a batch, as flat row-major arrays. The mask
 * is 1 on every predicted token, except the question tokens of question-answer lines, which weigh
 * `promptWeight` (default 1).
 */
export function collate(seqs: readonly Seq[], pad: number, promptWeight = 1): { inputs: Int32Array; targets: Int32Array; mask: Float64Array; rows: number; cols: number } {
  const cols = Math.max(...seqs.map((s) => s.ids.length)) - 1;
  const rows = seqs.length;
  const inputs = new Int32Array(rows * cols).fill(pad);
  const targets = new Int32Array(rows * cols).fill(pad);
  const mask = new Float64Array(rows * cols);
  seqs.forEach((s, r) => {
    for (let j = 0; j < s.ids.length - 1; j++) {
      inputs[r * cols + j] = s.ids[j];
      targets[r * cols + j] = s.ids[j + 1];
      mask[r * cols + j] = s.answerStart > 0 && j + 1 < s.answerStart ? promptWeight : 1;
    }
  });
  return { inputs, targets, mask, rows, cols };
}
