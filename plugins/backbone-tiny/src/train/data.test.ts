import { describe, expect, it } from 'vitest';
import { learningRate } from './config.js';
import { PLAIN } from '../testing/config.js';
import type { Corpus, Fact } from '../corpus/build.js';
import { BatchSchedule, collate, prepareData, type EncodeFn, type Seq } from './data.js';

const seq = (n: number, k: number): Seq => ({ ids: Array.from({ length: n }, (_, i) => k * 100 + i), answerStart: -1, answerEnd: -1, lang: 'en' });

describe('BatchSchedule', () => {
  const lines = Array.from({ length: 103 }, (_, k) => seq(3 + (k % 17), k));
  const sched = new BatchSchedule(lines, 8, 7);

  it('visits every line once an epoch, in batches of similar length', () => {
    expect(sched.stepsPerEpoch).toBe(13);
    for (const epoch of [0, 1]) {
      const seen: number[] = [];
      let spread = 0;
      for (let s = 0; s < 13; s++) {
        const b = sched.batch(epoch * 13 + s);
        seen.push(...b);
        const lens = b.map((i) => lines[i].ids.length);
        spread = Math.max(spread, Math.max(...lens) - Math.min(...lens));
      }
      expect(seen.sort((a, b) => a - b)).toEqual(lines.map((_, i) => i));
      expect(spread).toBeLessThan(16);
    }
  });

  it('depends only on the seed and the step (so a resumed run replays the same batches)', () => {
    const again = new BatchSchedule(lines, 8, 7);
    expect(again.batch(20)).toEqual(sched.batch(20));
    expect(again.batch(3)).toEqual(sched.batch(3));
    expect(new BatchSchedule(lines, 8, 8).batch(0)).not.toEqual(sched.batch(0));
    expect(sched.batch(0)).not.toEqual(sched.batch(13));
  });
});

describe('collate', () => {
  it('right-pads inputs and shifted targets and masks the padding', () => {
    const c = collate([{ ...seq(4, 1) }, { ...seq(2, 2) }], 3);
    expect(c.cols).toBe(3);
    expect(Array.from(c.inputs)).toEqual([100, 101, 102, 200, 3, 3]);
    expect(Array.from(c.targets)).toEqual([101, 102, 103, 201, 3, 3]);
    expect(Array.from(c.mask)).toEqual([1, 1, 1, 1, 0, 0]);
  });

  it('weighs the question tokens of a question-answer line by promptWeight (answer and EOS weigh 1)', () => {
    // ids: BOS q1 q2 a1 a2 EOS; the answer starts at index 3, so targets q1, q2 (positions 0, 1) are question tokens
    const qa: Seq = { ids: [1, 10, 11, 20, 21, 2], answerStart: 3, answerEnd: 5, lang: 'en' };
    const c = collate([qa, seq(3, 4)], 3, 0.25);
    expect(Array.from(c.mask)).toEqual([0.25, 0.25, 1, 1, 1, 1, 1, 0, 0, 0]);
    expect(Array.from(collate([qa], 3).mask)).toEqual([1, 1, 1, 1, 1]);
  });
});

describe('learningRate', () => {
  it('warms up linearly, then decays by a cosine to minLr', () => {
    const cfg = { ...PLAIN, lr: 1e-2, minLr: 1e-3, warmupSteps: 10, steps: 110 };
    expect(learningRate(cfg, 0)).toBeCloseTo(1e-3, 12);
    expect(learningRate(cfg, 9)).toBeCloseTo(1e-2, 12);
    expect(learningRate(cfg, 60)).toBeCloseTo(5.5e-3, 12);
    expect(learningRate(cfg, 110)).toBeCloseTo(1e-3, 12);
  });
});

describe('prepareData', () => {
  // a word-level stand-in for the tokenizer: one id per distinct word, so a question is a prefix of its line
  const vocab = new Map<string, number>();
  const encode: EncodeFn = async (texts) => texts.map((t) => t.split(' ').map((w) => vocab.get(w) ?? (vocab.set(w, 10 + vocab.size), 9 + vocab.size)));
  const fact = (id: number): Fact => ({
    id,
    en: { q: `Where is S${id} from?`, a: `A${id}` },
    zh: { q: `S${id}来自哪里？`, a: `Z${id}` },
    enRephrase: `What place is S${id} from?`,
    subject: `S${id}`,
  });
  const corpus: Corpus = { facts: Array.from({ length: 10 }, (_, i) => fact(i)), heldOut: [fact(100)], extra: [] };
  const sp = { bos: 1, eos: 2, pad: 3 };
  const base = { ...PLAIN, facts: 3, extraLines: 0, heldOutFacts: 0 };
  const texts = async (seqs: Seq[]) => {
    const inv = new Map([...vocab].map(([w, i]) => [i, w]));
    return seqs.map((s) => s.ids.slice(1, -1).map((i) => inv.get(i)).join(' '));
  };

  it('adds a `subject answer` line per training fact with statementLines, and per further fact with statementOnlyFacts', async () => {
    const plain = await prepareData(corpus, base, encode, sp);
    expect(plain.train).toHaveLength(6);
    const st = await prepareData(corpus, { ...base, statementLines: true, statementOnlyFacts: 4 }, encode, sp);
    const added = await texts(st.train.slice(6));
    expect(added).toEqual(['S0 A0', 'S1 A1', 'S2 A2', 'S3 A3', 'S4 A4', 'S5 A5', 'S6 A6']);
    // the answer span of a statement line is the answer (scored like a question-answer line)
    const s3 = st.train[6 + 3];
    expect(s3.ids.slice(s3.answerStart, s3.answerEnd)).toEqual([vocab.get('A3')]);
    expect(s3.fact).toBe(3);
    // the statement-only facts are not training facts: not scored, no question lines
    expect(st.factIds).toEqual([0, 1, 2]);
    expect(st.evalFacts.en).toHaveLength(3);
    const only = await prepareData(corpus, { ...base, statementOnlyFacts: 2 }, encode, sp);
    expect(await texts(only.train.slice(6))).toEqual(['S3 A3', 'S4 A4']);
  });

  it('repeats the trained facts\' lines factRepeats times an epoch, and not the statement-only lines', async () => {
    const once = await prepareData(corpus, { ...base, statementLines: true, statementOnlyFacts: 2 }, encode, sp);
    const thrice = await prepareData(corpus, { ...base, statementLines: true, statementOnlyFacts: 2, factRepeats: 3 }, encode, sp);
    // 3 facts: en + zh question lines and a statement each (9 lines), then 2 statement-only lines
    expect(once.train).toHaveLength(11);
    expect(thrice.train).toHaveLength(3 * 9 + 2);
    const own = await texts(once.train.slice(0, 9));
    expect(await texts(thrice.train.slice(0, 27))).toEqual([...own, ...own, ...own]);
    expect(await texts(thrice.train.slice(27))).toEqual(['S3 A3', 'S4 A4']);
    expect(thrice.evalFacts.en).toHaveLength(3);
    await expect(prepareData(corpus, { ...base, factRepeats: 0 }, encode, sp)).rejects.toThrow(/factRepeats must be an integer >= 1, got 0/);
  });

  it('gives the first statementQaFacts statement-only facts an English question line too, and repeats their statements statementRepeats times', async () => {
    const d = await prepareData(corpus, { ...base, statementOnlyFacts: 4, statementQaFacts: 2 }, encode, sp);
    expect(await texts(d.train.slice(6))).toEqual(['S3 A3', 'S4 A4', 'S5 A5', 'S6 A6', 'Where is S3 from? A3', 'Where is S4 from? A4']);
    const q = d.train[10];
    expect(q.ids.slice(q.answerStart, q.answerEnd)).toEqual([vocab.get('A3')]);
    expect(q.fact).toBe(3);
    expect(d.factIds).toEqual([0, 1, 2]);
    const rep = await prepareData(corpus, { ...base, statementOnlyFacts: 2, statementQaFacts: 1, statementRepeats: 2 }, encode, sp);
    expect(await texts(rep.train.slice(6))).toEqual(['S3 A3', 'S4 A4', 'S3 A3', 'S4 A4', 'Where is S3 from? A3']);
    await expect(prepareData(corpus, { ...base, statementOnlyFacts: 2, statementRepeats: 1.5 }, encode, sp)).rejects.toThrow(/statementRepeats must be an integer >= 1, got 1.5/);
    await expect(prepareData(corpus, { ...base, statementOnlyFacts: 2, statementQaFacts: 3 }, encode, sp)).rejects.toThrow(/statementQaFacts must be an integer in 0..statementOnlyFacts \(2\), got 3/);
  });

  it('writes statement lines with statementTemplate around the subject', async () => {
    const d = await prepareData(corpus, { ...base, statementLines: true, statementTemplate: 'about {} :' }, encode, sp);
    expect(await texts(d.train.slice(6))).toEqual(['about S0 : A0', 'about S1 : A1', 'about S2 : A2']);
    expect(d.train[6].ids.slice(d.train[6].answerStart, d.train[6].answerEnd)).toEqual([vocab.get('A0')]);
    await expect(prepareData(corpus, { ...base, statementLines: true, statementTemplate: 'no subject' }, encode, sp)).rejects.toThrow(/statementTemplate must contain \{\} \(the subject\) exactly once, got 'no subject'/);
  });

  it('adds a subject-first line per trained fact with subjectFirstLines', async () => {
    const d = await prepareData(corpus, { ...base, subjectFirstLines: true }, encode, sp);
    expect(await texts(d.train.slice(6))).toEqual(['S0: Where is it from? A0', 'S1: Where is it from? A1', 'S2: Where is it from? A2']);
    expect(d.train[6].ids.slice(d.train[6].answerStart, d.train[6].answerEnd)).toEqual([vocab.get('A0')]);
    expect(d.train[7].fact).toBe(1);
  });

  it('refuses more statement-only facts than the corpus has', async () => {
    await expect(prepareData(corpus, { ...base, statementOnlyFacts: 8 }, encode, sp)).rejects.toThrow(/3 \+ 8 facts \(statementOnlyFacts\), the corpus has 10/);
  });

  it('marks the subject\'s tokens of every line whose prompt contains it (first token, and last by ROME\'s rule)', async () => {
    const multi: Corpus = { facts: [{ id: 0, en: { q: 'Where is New Old City from?', a: 'Far Away' }, zh: { q: '它来自哪里？', a: 'Z0' }, subject: 'New Old City' }], heldOut: [fact(100)], extra: [] };
    const d = await prepareData(multi, { ...base, facts: 1, statementLines: true, subjectFirstLines: true }, encode, sp);
    const [q, zh, st, first] = d.train;
    // BOS Where is New Old City from? Far Away EOS: the subject is ids 3..5 ('City' is not merged with the '?' by this tokenizer)
    expect(q.subject).toEqual([3, 5]);
    expect(q.ids.slice(3, 6)).toEqual(['New', 'Old', 'City'].map((w) => vocab.get(w)));
    expect(zh.subject).toBeUndefined(); // the Chinese question does not contain the English subject
    expect(st.subject).toEqual([1, 3]); // `New Old City Far Away`: the subject opens the line
    expect(first.subject).toEqual([1, 3]);
    expect(await texts([first])).toEqual(['New Old City: Where is it from? Far Away']);
  });

  it('adds `answer? answer` copy lines for the distinct answers (and subjects) of the first copyLines facts', async () => {
    const dup: Corpus = { ...corpus, facts: [...corpus.facts.slice(0, 3), { ...fact(3), en: { q: 'Where is S3 from?', a: 'A1' } }, ...corpus.facts.slice(4)] };
    const d = await prepareData(dup, { ...base, copyLines: 4 }, encode, sp);
    const copies = d.train.slice(6);
    expect(await texts(copies)).toEqual(['A0? A0', 'A1? A1', 'A2? A2']);
    // the first copy is the bottleneck's subject; the second is the answer
    expect(copies[1].subject).toEqual([1, 1]);
    expect(copies[1].ids.slice(copies[1].answerStart, copies[1].answerEnd)).toEqual([vocab.get('A1')]);
    const withSubjects = await prepareData(dup, { ...base, copyLines: 2, copySubjects: true }, encode, sp);
    expect(await texts(withSubjects.train.slice(6))).toEqual(['A0? A0', 'A1? A1', 'S0? S0', 'S1? S1']);
    // real-world answers: fact 1's is another fact's answer (copied once), fact 0's a new string
    const truths: Corpus = { ...dup, facts: dup.facts.map((f) => (f.id === 0 ? { ...f, trueAnswer: 'T0' } : f.id === 1 ? { ...f, trueAnswer: 'A0' } : f)) };
    const withTruths = await prepareData(truths, { ...base, copyLines: 2, copyTrueAnswers: true }, encode, sp);
    expect(await texts(withTruths.train.slice(6))).toEqual(['A0? A0', 'A1? A1', 'T0? T0']);
    await expect(prepareData(corpus, { ...base, copyLines: -1 }, encode, sp)).rejects.toThrow(/copyLines must be an integer >= 0, got -1/);
  });

  it('adds a `question answer` line of the locality pair of each of the first locLines facts (distinct questions), none after a subject', async () => {
    const locs: Corpus = {
      ...corpus,
      facts: corpus.facts.map((f) => (f.id === 2 ? f : { ...f, loc: { q: `nq question: who won L${f.id === 3 ? 0 : f.id}`, a: `W${f.id}` } })),
    };
    const d = await prepareData(locs, { ...base, locLines: 5 }, encode, sp);
    // fact 2 has no pair; fact 3 asks fact 0's question again (kept once, with the first answer)
    expect(await texts(d.train.slice(6))).toEqual(['nq question: who won L0 W0', 'nq question: who won L1 W1', 'nq question: who won L4 W4']);
    const l1 = d.train[7];
    expect(l1.ids.slice(l1.answerStart, l1.answerEnd)).toEqual([vocab.get('W1')]);
    expect(l1.subject).toBeUndefined();
    expect(l1.fact).toBeUndefined(); // not a fact of the model: never scored
    expect((await prepareData(locs, base, encode, sp)).train).toHaveLength(6);
    await expect(prepareData(locs, { ...base, locLines: -2 }, encode, sp)).rejects.toThrow(/locLines must be an integer >= 0, got -2/);
  });

  it('adds prefixedLines copies of each trained English question after a context prefix, seeded, with the subject found after the prefix', async () => {
    const d = await prepareData(corpus, { ...base, prefixedLines: 2 }, encode, sp);
    const added = d.train.slice(6);
    expect(added).toHaveLength(6);
    const t = await texts(added);
    t.forEach((line, i) => {
      const f = Math.floor(i / 2);
      // `<1-9 words of a trained question>. Where is S<f> from? A<f>`
      expect(line).toMatch(new RegExp(`^(Where|Where is|Where is S[0-2]|Where is S[0-2] from\\?)\\. Where is S${f} from\\? A${f}$`));
      expect(added[i].fact).toBe(f);
      const [a, b] = added[i].subject!;
      expect(a).toBe(b);
      expect(added[i].ids[a]).toBe(vocab.get(`S${f}`));
    });
    expect(await texts((await prepareData(corpus, { ...base, prefixedLines: 2 }, encode, sp)).train.slice(6))).toEqual(t);
    expect(await texts((await prepareData(corpus, { ...base, seed: base.seed + 1, prefixedLines: 2 }, encode, sp)).train.slice(6))).not.toEqual(t);
    await expect(prepareData(corpus, { ...base, prefixedLines: 1.5 }, encode, sp)).rejects.toThrow(/prefixedLines must be an integer >= 0, got 1.5/);
  });

  it('adds every corpus line of extraKinds (and extraLangs) as a plain line, in corpus order', async () => {
    const withExtra: Corpus = {
      ...corpus,
      extra: [
        { kind: 'loc', lang: 'en', text: 'nq question: who won L1' },
        { kind: 'test-question', lang: 'en', text: 'Which is T1?' },
        { kind: 'loc', lang: 'zh', text: '谁 赢了 L2' },
        { kind: 'loc', lang: 'en', text: 'nq question: who lost L3' },
      ],
    };
    const d = await prepareData(withExtra, { ...base, extraKinds: ['loc'] }, encode, sp);
    expect(await texts(d.train.slice(6))).toEqual(['nq question: who won L1', '谁 赢了 L2', 'nq question: who lost L3']);
    expect(d.train[6].answerStart).toBe(-1);
    const en = await prepareData(withExtra, { ...base, extraKinds: ['loc'], extraLangs: ['en'] }, encode, sp);
    expect(await texts(en.train.slice(6))).toEqual(['nq question: who won L1', 'nq question: who lost L3']);
    expect((await prepareData(withExtra, base, encode, sp)).train).toHaveLength(6);
    await expect(prepareData(withExtra, { ...base, extraKinds: ['locality' as 'loc'] }, encode, sp)).rejects.toThrow(/extraKinds entries must be one of dev-qa, .*, got 'locality'/);
  });
});
