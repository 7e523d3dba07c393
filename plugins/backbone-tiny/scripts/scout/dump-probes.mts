// Tokenizes probe edits for diag.py: test records (unseen subjects) and training facts (seen subjects).
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildCorpus } from '../../src/corpus/build.js';
import { assetsDir, sharedDir } from '../../src/paths.js';
import { loadHfEncoder } from '../../src/tokenizer/encode.js';
const enc = loadHfEncoder(path.join(assetsDir, 'tokenizer.json'));
const corpus = buildCorpus(sharedDir(), { seed: 1234, heldOut: 500 });
const test = JSON.parse(readFileSync(path.join(sharedDir(), 'data/bizsre/bizsre_test.json'), 'utf8'));
const items: { kind: string; prompt: string; subject: string; target: string; answer?: string }[] = [];
const nTest = Number(process.argv[3] ?? 12);
for (const r of test.slice(0, nTest)) items.push({ kind: 'test', prompt: r.en.src, subject: r.en.subject, target: r.en.alt });
const fs = corpus.facts.slice(0, 200).filter((f) => f.subject && f.en.q.includes(f.subject));
const nTrain = Number(process.argv[5] ?? 12);
for (let i = 0; i < nTrain; i++) items.push({ kind: 'train', prompt: fs[i].en.q, subject: fs[i].subject!, target: fs[(i + 7) % fs.length].en.a, answer: fs[i].en.a });
// `statement` as the third argument: the prompt is the subject alone (the `subject answer` form)
if (process.argv[4] === 'statement') for (const it of items) it.prompt = it.subject;
const out = [];
for (const it of items) {
  const [p] = await enc.encode([it.prompt]);
  const end = it.prompt.indexOf(it.subject) + it.subject.length;
  const [pre] = await enc.encode([it.prompt.slice(0, end)]);
  const [full] = await enc.encode([`${it.prompt} ${it.target}`]);
  const [before] = await enc.encode([it.prompt.slice(0, it.prompt.indexOf(it.subject)).trimEnd()]);
  const [own] = it.answer ? await enc.encode([`${it.prompt} ${it.answer}`]) : [[]];
  // subjFirst: the first token after the text before the subject (BOS at 0); answer_ids: the fact's own answer
  out.push({ ...it, ids: [1, ...p], subjLast: pre.length, subjFirst: it.prompt.indexOf(it.subject) > 0 ? before.length + 1 : 1, target_ids: full.slice(p.length), answer_ids: own.slice(p.length) });
}
writeFileSync(process.argv[2], JSON.stringify(out));
