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
 * Chinese pairs file; a classifier trained here sees only the rest. The classifier trained here (no
 * `--artifact`): `--width K` (default the model's hidden size), `--proj-init X` (4), `--pool mean|attn`
 * (mean), `--normalize 0|1` (0), `--iters N` (1000), `--batch N` (16), `--lr X` (3e-3). An unknown flag,
 * a missing value or a value out of range is an error naming the flag ({@link parseScopeArgs}).
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { setBackend } from '@crossedit/core';
import { createCpuF32Backend } from '@crossedit/cpu';
import { combineData, loadEditorData } from '@crossedit/editor-training';
import tiny from '@crossedit/backbone-tiny';
import { BagClassifier, loadSeracArtifact, scopeScores, trainScope, type ClassifierArch, type ScopeClassifier, type ScopeScores } from '@crossedit/method-serac';
import { choiceFlag, numberFlag } from '../args.js';
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

/** The command line of this script (defaults in brackets). */
export interface ScopeArgs {
  /** `--held-out N` [200]: the examples held out at the end of each training file. */
  heldOut: number;
  /** `--zh-dev 1` [0]: also the Chinese dev records less the Bi-ZsRE test questions. */
  zhDev: boolean;
  /** `--artifact FILE`: score this SERAC artifact's classifier instead of training one. */
  artifact?: string;
  /** `--width K` [the model's hidden size]. */
  width?: number;
  /** `--proj-init X` [4]. */
  projInit: number;
  /** `--pool mean|attn` [mean]. */
  pool: 'mean' | 'attn';
  /** `--normalize 1` [0]. */
  normalize: boolean;
  /** `--iters N` [1000]. */
  iters: number;
  /** `--batch N` [16]. */
  batch: number;
  /** `--lr X` [3e-3]. */
  lr: number;
}

/**
 * Parses the flags of the file comment.
 * @throws Error naming the flag for an unknown flag, a missing value, or a value outside what it expects.
 */
export function parseScopeArgs(argv: readonly string[]): ScopeArgs {
  const s = { type: 'string' } as const;
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: { 'held-out': s, 'zh-dev': s, artifact: s, width: s, 'proj-init': s, pool: s, normalize: s, iters: s, batch: s, lr: s },
  });
  const positive = { integer: true, min: 1 };
  return {
    heldOut: numberFlag(values, 'held-out', positive, 200),
    zhDev: choiceFlag(values, 'zh-dev', ['0', '1'], '0') === '1',
    artifact: values.artifact,
    width: numberFlag(values, 'width', positive),
    projInit: numberFlag(values, 'proj-init', { above: 0 }, 4),
    pool: choiceFlag(values, 'pool', ['mean', 'attn'], 'mean'),
    normalize: choiceFlag(values, 'normalize', ['0', '1'], '0') === '1',
    iters: numberFlag(values, 'iters', positive, 1000),
    batch: numberFlag(values, 'batch', positive, 16),
    lr: numberFlag(values, 'lr', { above: 0 }, 3e-3),
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(REPO, 'benchmarks/src/editors/scope.ts')) {
  const o = parseScopeArgs(process.argv.slice(2));
  const shared = path.resolve(process.env.CROSSEDIT_SHARED ?? path.join(REPO, '..', 'shared'));
  const heldOut = o.heldOut;
  const backend = createCpuF32Backend();
  setBackend(backend);
  const model = await tiny.loadModel({}, { backend });
  const tokenizer = await tiny.createTokenizer({});
  const files = { en: 'data/zsre-train/zsre_mend_train_en_10000.json', zh: 'data/mzsre/train/zsre_mend_train_zh_10000.txt' };
  const parts = Object.entries(files).map(([lang, f]) => loadEditorData(path.join(shared, f), { lang, validation: heldOut }));
  // --zh-dev: the Chinese dev records (rephrases, NQ-style locality) less those of the Bi-ZsRE test set
  if (o.zhDev) parts.push(loadEditorData(zhDevWithoutTest(shared, path.join(REPO, '.cache/crossedit')), { lang: 'zh', validation: heldOut }));
  const data = combineData(parts);
  let cls: ScopeClassifier;
  const artifact = o.artifact;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  if (artifact) {
    const c = await loadSeracArtifact(path.resolve(artifact), model);
    c.counterfactual.dispose();
    cls = c.classifier;
  } else {
    const arch: ClassifierArch = { kind: 'bag', width: o.width ?? model.config.hiddenSize, projInit: o.projInit, pool: o.pool, normalize: o.normalize };
    cls = new BagClassifier(model.weight({ kind: 'embed' }), arch, backend);
    const sched = { iters: o.iters, batchSize: o.batch, lr: o.lr, seed: 42 };
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
