import { existsSync } from 'node:fs';
import path from 'node:path';
import type { EditRequest } from '@crossedit/core';
import { loadBiZsre } from '@crossedit/eval';
import { weightsHash } from '@crossedit/transformer';
import type { Command } from '../args.js';
import { resolveMethod } from '../plugins.js';
import { UsageError } from '../backend.js';
import { openMethod, openModel } from '../session.js';
import { sharedDir } from '../shared.js';
import { answer } from './answers.js';

/** `crossedit demo`: ROME on the embedded bilingual model, one English edit, answers in both languages. */
export const demoCommand: Command = {
  name: 'demo',
  summary: 'edit one fact of the embedded bilingual model in English with ROME; show answers before/after in both languages',
  usage: 'demo [--record N] [--data FILE] [--source-lang en|zh] [--backend auto|webgpu|cpu]',
  options: {
    record: { type: 'string', help: 'Bi-ZsRE record to edit', arg: 'N', default: '4' },
    data: { type: 'string', help: 'Bi-ZsRE file (default ../shared/data/bizsre/mzsre_test_duplicate_enzh.json)', arg: 'FILE' },
    'source-lang': { type: 'string', help: 'language of the edit', arg: 'CODE', default: 'en' },
    backbone: { type: 'string', help: 'backbone plugin', arg: 'ID', default: 'tiny' },
    'model-dir': { type: 'string', help: 'model directory (not needed for tiny)', arg: 'DIR' },
    method: { type: 'string', help: 'method plugin', arg: 'ID', default: 'rome' },
    hparam: { type: 'string', multiple: true, help: 'hyperparameter override key=value', arg: 'K=V' },
    backend: { type: 'string', help: 'auto, webgpu or cpu', arg: 'KIND', default: 'auto' },
    seed: { type: 'string', help: 'random seed', arg: 'N', default: '0' },
    'cache-dir': { type: 'string', help: 'caches', arg: 'DIR', default: '.cache/crossedit' },
  },
  async run(values) {
    const t0 = performance.now();
    const file = (values.data as string | undefined) ?? (sharedDir() ? path.join(sharedDir()!, 'data/bizsre/mzsre_test_duplicate_enzh.json') : undefined);
    if (!file || !existsSync(file)) throw new UsageError(`no Bi-ZsRE data: pass --data FILE (looked for ${file ?? '../shared/data/bizsre/…'})`);
    const ds = loadBiZsre(file);
    const idx = Number(values.record);
    const rec = ds.records.find((r) => r.index === idx);
    if (!rec) throw new UsageError(`--record ${values.record}: ${file} has records 0..${ds.total - 1}`);
    const src = String(values['source-lang']);
    const [l1, l2] = ds.languages;
    const other = src === l1 ? l2 : l1;
    const e = rec.sides[src];
    if (!e) throw new UsageError(`--source-lang ${src}: the data has ${ds.languages.join(' and ')}`);
    const o = rec.sides[other];
    const method = await resolveMethod((values.method as string) ?? 'rome'); // fail fast on a bad id
    const s = await openModel(values);
    const m = await openMethod(values, s, method);
    const rows: [string, string, string][] = [
      [`edit question (${src})`, e.src, e.alt],
      [`paraphrase (${src})`, e.rephrase, e.alt],
      [`question (${other})`, o.src, o.alt],
      [`paraphrase (${other})`, o.rephrase, o.alt],
      [`unrelated (${src})`, e.loc.replace(/^nq question:\s*/, ''), ''],
    ];
    const questions = rows.map((r) => r[1]);
    const before = await answer(s.model, s.tokenizer, questions, 10);
    const hash0 = await weightsHash(s.model);
    const req: EditRequest = { id: `${rec.index}:${src}`, prompt: e.src, subject: e.subject, target: e.alt, lang: src };
    process.stderr.write(`editing with ${m.method.id}: "${e.src}" → "${e.alt}" …\n`);
    const t1 = performance.now();
    const result = await m.method.apply({ ...m.context, model: s.model, tokenizer: s.tokenizer, backbone: { id: s.backbone.id, config: s.model.config }, backend: s.backend }, [req], m.hparams);
    const editMs = performance.now() - t1;
    const after = await answer(s.model, s.tokenizer, questions, 10, result.wrapPrompt);
    await result.restore();
    const restored = (await weightsHash(s.model)) === hash0;
    const out = process.stdout;
    out.write(`\ncrossedit demo — ${m.method.id} on the embedded ${s.backbone.id} model (${s.backend.name} backend)\n`);
    out.write(`edit (${src}): ${e.src}  →  ${e.alt}\n\n`);
    const w0 = Math.max(...rows.map((r) => r[0].length));
    for (let i = 0; i < rows.length; i++) {
      const [label, q, target] = rows[i];
      const hit = target && after[i].includes(target) ? '  ✓ new answer' : '';
      out.write(`${label.padEnd(w0)}  ${q}\n${''.padEnd(w0)}  before: ${before[i] || '∅'}\n${''.padEnd(w0)}  after:  ${after[i] || '∅'}${hit}\n`);
    }
    const diag = Object.entries(result.diagnostics)
      .map(([k, v]) => `${k}=${typeof v === 'number' ? +v.toFixed(3) : v}`)
      .join(' ');
    out.write(`\nedit took ${(editMs / 1000).toFixed(1)} s (${diag}); restore(): ${restored ? 'weights identical to the original' : 'WEIGHTS DIFFER'}\n`);
    out.write(`total ${((performance.now() - t0) / 1000).toFixed(1)} s. Measure the whole grid with: crossedit eval --method rome --source-lang ${src} --limit 20 --out results/demo\n`);
    s.model.dispose();
    s.backend.dispose();
    return restored ? 0 : 1;
  },
};
