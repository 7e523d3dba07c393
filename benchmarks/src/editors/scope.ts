/**
 * The SERAC scope classifier alone, on the embedded model: its similarities for in-scope rows (an edit's
 * prompt and paraphrase) against out-of-scope ones (locality inputs), per language, with one edit and
 * with all held-out edits in memory — for a shipped artifact's classifier, or for a classifier trained
 * here by the classifier-only phase (`trainScope`), so poolings, objectives and schedules can be compared
 * in minutes without the counterfactual model:
 *
 *   node --conditions=@crossedit/source --import tsx benchmarks/src/editors/scope.ts --artifact A.safetensors
 *   node --conditions=@crossedit/source --import tsx benchmarks/src/editors/scope.ts --pool attn --normalize 1 --iters 2000 --batch 32
 *   … --zh-dev 1   # also the Chinese dev records without the Bi-ZsRE test questions (trained on and held out)
 *
 * Held out: the last `--held-out` (default 200) examples of the English ZsRE training file and of the
 * Chinese pairs file; a classifier trained here sees only the rest.
 */
import path from 'node:path';
import { setBackend } from '@crossedit/core';
import { createCpuF32Backend } from '@crossedit/cpu';
import { combineData, loadEditorData } from '@crossedit/editor-training';
import tiny from '@crossedit/backbone-tiny';
import { BagClassifier, loadSeracArtifact, scopeScores, trainScope, type ClassifierArch, type ScopeClassifier, type ScopeScores } from '@crossedit/method-serac';
import { REPO } from './cli.js';
import { zhDevWithoutTest } from './zh-dev.js';

/** Markdown rows of {@link ScopeScores} per language. */
export function scopeTable(r: Record<string, ScopeScores>): string {
  const f = (s: { mean: number; p10: number; p50: number; p90: number; above: number; n: number }) => (s.n ? `${s.p10.toFixed(2)} / ${s.p50.toFixed(2)} / ${s.p90.toFixed(2)} (${(100 * s.above).toFixed(0)} %)` : '–');
  const lines = [
    '| held out | memory | prompt s p10/p50/p90 (> 0.5) | paraphrase s | locality s | retrieval prompt / paraphrase |',
    '|---|---|---|---|---|---|',
  ];
  for (const [lang, s] of Object.entries(r)) {
    lines.push(`| ${lang} | 1 edit | ${f(s.single.prompt)} | ${f(s.single.rephrase)} | ${f(s.single.loc)} | |`);
    lines.push(`| ${lang} | all (${s.single.prompt.n}) | ${f(s.multi.prompt)} | ${f(s.multi.rephrase)} | ${f(s.multi.loc)} | ${(100 * s.multi.retrievalPrompt).toFixed(1)} / ${s.multi.rephrase.n ? (100 * s.multi.retrievalRephrase).toFixed(1) : '–'} |`);
  }
  return lines.join('\n') + '\n';
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(REPO, 'benchmarks/src/editors/scope.ts')) {
  const argv = process.argv.slice(2);
  const get = (n: string, d?: string) => {
    const i = argv.indexOf(n);
    return i >= 0 ? argv[i + 1] : d;
  };
  const shared = path.resolve(process.env.CROSSEDIT_SHARED ?? path.join(REPO, '..', 'shared'));
  const heldOut = Number(get('--held-out', '200'));
  const backend = createCpuF32Backend();
  setBackend(backend);
  const model = await tiny.loadModel({}, { backend });
  const tokenizer = await tiny.createTokenizer({});
  const files = { en: 'data/zsre-train/zsre_mend_train_en_10000.json', zh: 'data/mzsre/train/zsre_mend_train_zh_10000.txt' };
  const parts = Object.entries(files).map(([lang, f]) => loadEditorData(path.join(shared, f), { lang, validation: heldOut }));
  // --zh-dev: the Chinese dev records (rephrases, NQ-style locality) less those of the Bi-ZsRE test set
  if (get('--zh-dev', '0') === '1') parts.push(loadEditorData(zhDevWithoutTest(shared, path.join(REPO, '.cache/crossedit')), { lang: 'zh', validation: heldOut }));
  const data = combineData(parts);
  let cls: ScopeClassifier;
  const artifact = get('--artifact');
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  if (artifact) {
    const c = await loadSeracArtifact(path.resolve(artifact), model);
    c.counterfactual.dispose();
    cls = c.classifier;
  } else {
    const arch: ClassifierArch = { kind: 'bag', width: Number(get('--width', String(model.config.hiddenSize))), projInit: Number(get('--proj-init', '4')), pool: get('--pool', 'mean') as 'mean' | 'attn', normalize: get('--normalize', '0') === '1' };
    cls = new BagClassifier(model.weight({ kind: 'embed' }), arch, backend);
    const sched = { iters: Number(get('--iters', '1000')), batchSize: Number(get('--batch', '16')), lr: Number(get('--lr', '3e-3')), seed: 42 };
    const curve = await trainScope(cls, tokenizer, data.train, sched, { counterfactualTargets: true, onProgress: (i, l) => process.stderr.write(`  iter ${i}: loss ${l.toFixed(4)}\n`) });
    process.stdout.write(`classifier ${JSON.stringify(arch)} trained alone: ${JSON.stringify(sched)}, final loss ${curve.at(-1)?.toFixed(4)}\n`);
  }
  const cpu = process.cpuUsage(c0);
  process.stdout.write(`wall ${((performance.now() - t0) / 1000).toFixed(1)} s, CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s\n`);
  const out: Record<string, ScopeScores> = {};
  for (const p of parts) out[`${p.source.lang} (${p.source.file})`] = await scopeScores(cls, tokenizer, p.validation, { counterfactualTargets: true });
  process.stdout.write(scopeTable(out));
  cls.dispose();
  model.dispose();
}
