// Copy probes for the subject bottleneck study: `target? target` lines of the first N Bi-ZsRE test targets
// (never trained on), with the span of the first copy, for copy-accuracy checks (copy_acc.py).
//   node --conditions=@crossedit/source --import tsx plugins/backbone-tiny/scripts/scout/dump-copy.mts OUT.json [N]
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { assetsDir, sharedDir } from '../../src/paths.js';
import { loadHfEncoder } from '../../src/tokenizer/encode.js';
const enc = loadHfEncoder(path.join(assetsDir, 'tokenizer.json'));
const test = JSON.parse(readFileSync(path.join(sharedDir(), 'data/bizsre/bizsre_test.json'), 'utf8'));
const n = Number(process.argv[3] ?? 100);
const out = [];
for (const r of test.slice(0, n)) {
  const a: string = r.en.alt;
  const [full] = await enc.encode([`${a}? ${a}`]);
  const [q] = await enc.encode([`${a}?`]);
  const [through] = await enc.encode([a]);
  out.push({ target: a, ids: [1, ...full], answerStart: 1 + q.length, answerEnd: 1 + full.length, subject: [1, through.length] });
}
writeFileSync(process.argv[2], JSON.stringify(out));
