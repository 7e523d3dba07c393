/**
 * How MEMIT's edit quality depends on the statistics' sample count, on the tiny random test model:
 * builds C from 5..1600 synthetic samples, edits a batch of 8 facts with the presets, and reports
 * teacher-forced accuracy on the edit prompts, unchanged argmax predictions on unrelated text, and
 * the distance of ΔW from the largest-sample run.
 *
 *   node --conditions=@crossedit/source --import tsx plugins/method-memit/scripts/sample-sweep.ts
 */
import { join } from 'node:path';
import { argmax, parseHparams, tensor, tidy, type EditRequest } from '@crossedit/core';
import { rewriteRow, targetIds } from '@crossedit/method-rome';
import { buildSecondMoments, openStats } from '@crossedit/stats';
import { sentences, tempDir, tinySetup, writeCorpus } from '@crossedit/stats/testing';
import memit, { memitApply, type MemitHparams } from '../src/index.js';

const CITIES = ['Rome', 'Berlin', 'Madrid', 'Tokyo', 'Beijing', 'London', 'Ottawa', 'Paris'];
const COUNTRIES = ['France', 'Germany', 'Italy', 'Spain', 'Japan', 'China', 'England', 'Canada'];
const REQS: EditRequest[] = COUNTRIES.map((c, i) => ({ id: `r${i}`, prompt: `The capital city of ${c}`, subject: c, target: CITIES[i], lang: 'en' }));

const setup = tinySetup({ seed: 3 });
const { model, tokenizer, ctx } = setup;
const hp = parseHparams<MemitHparams>('memit', memit.hparams, memit.presets?.(ctx.backbone));
const dir = await tempDir('sweep-');
const corpus = await writeCorpus(dir, sentences(1600, 11));
const unrelated = sentences(20, 77).map((t) => tokenizer.encode(t).ids);

async function predictions(ids: number[]): Promise<Int32Array | Float64Array | Float32Array> {
  const p = tidy(() => argmax(model.forward(tensor(Int32Array.from(ids), [1, ids.length], { dtype: 'i32' })).logits!, -1));
  const d = await p.data();
  p.dispose();
  return d;
}
async function accuracy(r: EditRequest): Promise<number> {
  const row = rewriteRow(tokenizer, '{}', '{}', r.prompt, targetIds(tokenizer, r.prompt, r.target, false));
  const p = await predictions(row.ids);
  return row.labels.filter(([pos, id]) => p[pos] === id).length / row.labels.length;
}
const base = await Promise.all(unrelated.map(predictions));

const rows: string[] = [];
let ref: Float64Array[] | null = null;
for (const n of [1600, 400, 100, 25, 10, 5]) {
  const r = await buildSecondMoments({ model, tokenizer, layers: hp.layers, corpus, sampleCount: n, outDir: join(dir, 'stats') });
  ctx.stats = openStats({ dir: join(dir, 'stats'), weightsHash: r.artifacts[0].weightsHash, sampleCount: n });
  const res = await memitApply(ctx, REQS, hp);
  let acc = 0;
  for (const q of REQS) acc += (await accuracy(q)) / REQS.length;
  let same = 0;
  let total = 0;
  for (let i = 0; i < unrelated.length; i++) {
    const p = await predictions(unrelated[i]);
    for (let j = 0; j < p.length; j++) {
      same += p[j] === base[i][j] ? 1 : 0;
      total++;
    }
  }
  const dws = await Promise.all(res.deltas.map(async (d) => Float64Array.from(await d.delta.data())));
  ref ??= dws;
  let num = 0;
  let den = 0;
  dws.forEach((d, l) => d.forEach((v, k) => ((num += (v - ref![l][k]) ** 2), (den += ref![l][k] ** 2))));
  await res.restore();
  rows.push(`| ${n} | ${r.tokens} | ${(acc * 100).toFixed(1)} | ${((same / total) * 100).toFixed(1)} | ${Math.sqrt(num / den).toFixed(3)} | ${res.diagnostics.jitter} |`);
}
console.log(`tiny model (${JSON.stringify({ ...model.config, vocabSize: undefined })}), layers ${hp.layers}, lambda ${hp.mom2UpdateWeight}, 8 edits`);
console.log('| samples | tokens | edit acc % | unrelated argmax unchanged % | rel. dist. of dW to 1600-sample dW | ridge |');
console.log('|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
