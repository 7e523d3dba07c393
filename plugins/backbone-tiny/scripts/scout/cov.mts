import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildCorpus } from '../../src/corpus/build.js';
import { assetsDir, sharedDir } from '../../src/paths.js';
import { loadHfEncoder } from '../../src/tokenizer/encode.js';
const enc = loadHfEncoder(path.join(assetsDir, 'tokenizer.json'));
const corpus = buildCorpus(sharedDir(), { seed: 1234, heldOut: 500 });
const test = JSON.parse(readFileSync(path.join(sharedDir(), 'data/bizsre/bizsre_test.json'), 'utf8')).slice(0, 200);
const tgt = await enc.encode(test.map((r: any) => 'Q? ' + r.en.alt));
const q = await enc.encode(['Q?']);
const tgtIds = tgt.map((t) => t.slice(q[0].length));
for (const n of [100, 200, 300, 500, 1000, 2000, 9446]) {
  const fs = corpus.facts.slice(0, n);
  const ans = await enc.encode(fs.map((f: any) => 'Q? ' + f.en.a));
  const all = await enc.encode(fs.flatMap((f: any) => [f.en.q + ' ' + f.en.a, f.zh.q + ' ' + f.zh.a, f.enRephrase ?? '']));
  const aset = new Set(ans.flatMap((a) => a.slice(q[0].length)));
  const tset = new Set(all.flat());
  let tokA = 0, tokT = 0, tot = 0, recA = 0, recT = 0;
  for (const t of tgtIds) { tot += t.length; const a = t.filter((x) => aset.has(x)).length; const b = t.filter((x) => tset.has(x)).length; tokA += a; tokT += b; if (a === t.length) recA++; if (b === t.length) recT++; }
  console.log(n, 'answer-token cov', (tokA / tot).toFixed(3), 'records all-covered(ans)', recA, 'any-line cov', (tokT / tot).toFixed(3), 'records(any)', recT, 'answer vocab', aset.size);
}
console.log('mean target len', tgtIds.reduce((a, t) => a + t.length, 0) / 200, test.slice(0,10).map((r:any)=>r.en.alt));
