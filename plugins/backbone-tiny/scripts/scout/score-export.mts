// Teacher-forced answer accuracy of an export (f16 as shipped) on its training facts (en, zh) and held-out
// English rephrases, scored as src/backbone.test.ts scores the shipped model (CPU float64 backend).
//   node --conditions=@crossedit/source --import tsx plugins/backbone-tiny/scripts/scout/score-export.mts DIR
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createCpuBackend } from '@crossedit/cpu';
import { scoreTeacherForcedBatch } from '@crossedit/transformer';
import { tiny } from '../../src/index.js';
import { buildCorpus } from '../../src/corpus/build.js';
import { sharedDir } from '../../src/paths.js';
const dir = process.argv[2];
const summary = JSON.parse(readFileSync(path.join(dir, 'training.json'), 'utf8'));
const backend = createCpuBackend();
const model = await tiny.loadModel({ modelDir: dir }, { backend });
const tok = await tiny.createTokenizer({ modelDir: dir });
const corpus = buildCorpus(sharedDir(), summary.config.corpus);
const byId = new Map(corpus.facts.map((f) => [f.id, f]));
const facts = summary.trainedFactIds.map((id: number) => byId.get(id)!);
const items = (qas: { q: string; a: string }[]) =>
  qas.map(({ q, a }) => {
    const p = tok.encode(q).ids;
    return { promptIds: p, targetIds: tok.encode(`${q} ${a}`).ids.slice(p.length) };
  });
const mean = async (qas: { q: string; a: string }[]) => {
  const r = await scoreTeacherForcedBatch(model, items(qas), { padId: tok.special.pad!, paddingSide: 'left' });
  return r.reduce((s, x) => s + x.accuracy, 0) / r.length;
};
const every = summary.config.heldOutRephraseEvery ?? 0;
const reph = facts.filter((f: any, i: number) => every > 0 && i % every === every - 1 && f.enRephrase).map((f: any) => ({ q: f.enRephrase, a: f.en.a }));
console.log(JSON.stringify({ en: await mean(facts.map((f: any) => f.en)), zh: await mean(facts.map((f: any) => f.zh)), rephrases: reph.length ? await mean(reph) : null, nRephrases: reph.length, heldOutEn: await mean(corpus.heldOut.slice(0, 48).map((f) => f.en)) }));
