// Continuation diagnostic of an export, with no edit: teacher-forced accuracy (and mean NLL) of the target's
// first token and of its tokens 2..n given `<s> question` + the gold prefix, on (a) the `en.alt` targets of
// the first N Bi-ZsRE test records (an edit's targets: read-only here, never trained on) and (b) the
// English answers of the first N held-out training facts (what a recipe may be tuned on). An edit that
// writes only the first token can score at most ~1/n without a model that continues the string.
//   node --conditions=@crossedit/source --import tsx plugins/backbone-tiny/scripts/scout/continuation.mts DIR [N] [FIRST] [STATEMENT_TEMPLATE]
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createCpuBackend } from '@crossedit/cpu';
import { scoreTeacherForcedBatch } from '@crossedit/transformer';
import { tiny } from '../../src/index.js';
import { buildCorpus } from '../../src/corpus/build.js';
import { sharedDir } from '../../src/paths.js';
const dir = process.argv[2];
const n = Number(process.argv[3] ?? 200);
const backend = createCpuBackend();
const model = await tiny.loadModel({ modelDir: dir }, { backend });
const tok = await tiny.createTokenizer({ modelDir: dir });
const corpus = buildCorpus(sharedDir(), { seed: 1234, heldOut: 500 });
const test = JSON.parse(readFileSync(path.join(sharedDir(), 'data/bizsre/bizsre_test.json'), 'utf8')).slice(0, n);
async function measure(qas: { q: string; a: string }[]) {
  const items = qas.map(({ q, a }) => {
    const p = tok.encode(q).ids;
    return { promptIds: p, targetIds: tok.encode(`${q} ${a}`).ids.slice(p.length) };
  });
  const r: Awaited<ReturnType<typeof scoreTeacherForcedBatch>> = [];
  for (let i = 0; i < items.length; i += 50) r.push(...(await scoreTeacherForcedBatch(model, items.slice(i, i + 50), { padId: tok.special.pad!, paddingSide: 'left' })));
  const multi = r.filter((x) => x.correct.length >= 2);
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
  return {
    records: r.length,
    tokens: mean(items.map((x) => x.targetIds.length)),
    first: +mean(r.map((x) => (x.correct[0] ? 1 : 0))).toFixed(3),
    firstNll: +mean(r.map((x) => -x.logProbs[0])).toFixed(2),
    multi: multi.length,
    cont: +mean(multi.map((x) => mean(x.correct.slice(1).map((c) => (c ? 1 : 0))))).toFixed(3),
    contNll: +mean(multi.map((x) => mean(x.logProbs.slice(1).map((l) => -l)))).toFixed(2),
    // the best an edit that fixes only the first token can score under teacher forcing (continuations as they are)
    ceiling: +mean(r.map((x) => (1 + x.correct.slice(1).filter(Boolean).length) / x.correct.length)).toFixed(3),
  };
}
const from = corpus.facts.slice(Number(process.argv[4] ?? 200), Number(process.argv[4] ?? 200) + n);
const out = {
  dir,
  test: await measure(test.map((r: { en: { src: string; alt: string } }) => ({ q: r.en.src, a: r.en.alt }))),
  heldOut: await measure(corpus.heldOut.slice(0, n).map((f) => f.en)),
  // knowledge extraction: facts 200.. of the corpus are trained (if at all) as `subject answer` statement lines
  // only (statementOnlyFacts); `statement` is how well the model knows them, `extract` whether its questions
  // (never trained for these facts) get the stored answer
  statement: await measure(from.filter((f) => f.subject).map((f) => ({ q: (process.argv[5] ?? '{}').replace('{}', () => f.subject!), a: f.en.a }))),
  extract: await measure(from.filter((f) => f.subject).map((f) => f.en)),
};
console.log(JSON.stringify(out));
