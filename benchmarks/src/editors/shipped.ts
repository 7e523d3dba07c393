/**
 * `pnpm bench editors`: rebuilds the MEND and SERAC artifacts shipped for the embedded model
 * (`plugins/method-{mend,serac}/assets/`) with one command, then evaluates unedited / MEND / SERAC on
 * the first N Bi-ZsRE test records with edits in English and in Chinese and writes the table
 * (`--out`, default `.cache/crossedit/editors-shipped/table.md`).
 *
 *   pnpm bench editors                         # train both, replace the shipped files, evaluate 50 records
 *   pnpm bench editors --only serac --eval 0   # retrain SERAC only, no evaluation
 *   pnpm bench editors --train 0 --eval 100    # evaluate the shipped artifacts only
 *   pnpm bench editors --serac-iters 80 --mend-iters 400   # shorter schedules (a bigger model)
 *
 * Training data: `zsre_mend_train_en_10000.json` (English) and the MzsRE Chinese pairs file, and for SERAC
 * also the Chinese Bi-ZsRE dev records less every test question and subject ({@link zhDevWithoutTest}), 20
 * held out each for validation; the schedules are each plugin's defaults plus {@link SCHEDULES}. Everything runs on
 * the `cpu-f32` backend under `nice -n 10`.
 */
import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { choiceFlag, numberFlag } from '../args.js';
import { crossedit, REPO } from './cli.js';
import { diagnoseShipped, diagnosticsTable } from './diagnose.js';
import { zhDevWithoutTest } from './zh-dev.js';

/** Training-config overrides per method (on top of the plugin's defaults), as `--set` JSON. */
export const SCHEDULES: Record<'mend' | 'serac', unknown> = {
  mend: { loop: { maxIters: 3000, batchSize: 1, accumulate: 10, valEvery: 20, valCount: 40, patience: 100, checkpointEvery: 20 } },
  serac: { loop: { maxIters: 200 } },
};

/** {@link SCHEDULES} of a method with the `--<method>-iters` cap applied. */
function schedule(method: 'mend' | 'serac', o: EditorsOptions): unknown {
  const base = SCHEDULES[method] as { loop?: Record<string, unknown> };
  const cap = o.iters[method];
  return cap === undefined ? base : { ...base, loop: { ...base.loop, maxIters: cap } };
}

/** Parsed options. */
export interface EditorsOptions {
  methods: ('mend' | 'serac')[];
  train: boolean;
  eval: number;
  out: string;
  shared: string;
  /** `--serac-iters N` / `--mend-iters N`: caps over {@link SCHEDULES} (a bigger model, a tighter clock). */
  iters: Partial<Record<'mend' | 'serac', number>>;
}

/**
 * Parses `--only mend|serac`, `--train 0|1` (1), `--eval N` (50; 0: no evaluation), `--out DIR`,
 * `--serac-iters N`, `--mend-iters N`.
 * @throws Error naming the flag for an unknown flag, a missing value or a value outside what it expects.
 */
export function parseEditorsArgs(argv: readonly string[]): EditorsOptions {
  const s = { type: 'string' } as const;
  const { values } = parseArgs({ args: [...argv], strict: true, options: { only: s, train: s, eval: s, out: s, 'serac-iters': s, 'mend-iters': s } });
  const only = choiceFlag(values, 'only', ['mend', 'serac']);
  return {
    methods: only ? [only] : ['mend', 'serac'],
    train: choiceFlag(values, 'train', ['0', '1'], '1') === '1',
    eval: numberFlag(values, 'eval', { integer: true, min: 0 }, 50),
    out: path.resolve(values.out ?? path.join(REPO, '.cache/crossedit/editors-shipped')),
    iters: Object.fromEntries((['mend', 'serac'] as const).flatMap((m) => (values[`${m}-iters`] === undefined ? [] : [[m, numberFlag(values, `${m}-iters`, { integer: true, min: 1 })]]))),
    shared: path.resolve(process.env.CROSSEDIT_SHARED ?? path.join(REPO, '..', 'shared')),
  };
}

/** Trains one method's artifact and puts it in the plugin's assets (the previous shipped file removed). */
async function rebuild(method: 'mend' | 'serac', o: EditorsOptions): Promise<{ file: string; line: string }> {
  const data = [path.join(o.shared, 'data/zsre-train/zsre_mend_train_en_10000.json'), path.join(o.shared, 'data/mzsre/train/zsre_mend_train_zh_10000.txt')];
  const langs = ['en', 'zh'];
  // SERAC: also the Chinese dev records less every Bi-ZsRE test question and subject (the pairs file has no paraphrases)
  if (method === 'serac') {
    data.push(zhDevWithoutTest(o.shared, path.join(REPO, '.cache/crossedit')));
    langs.push('zh');
  }
  const outDir = path.join(o.out, 'artifacts');
  const t0 = Date.now();
  const stdout = await crossedit(
    ['train-editor', '--method', method, '--backbone', 'tiny', '--backend', 'cpu-f32', '--data', data.join(','), '--lang', langs.join(','), '--validation', '20', '--run', path.join(o.out, `run-${method}`), '--out', outDir, '--fresh', '--set', JSON.stringify(schedule(method, o))],
    { nice: 10 },
  );
  const file = /artifact: (.+\.safetensors)/.exec(stdout)?.[1];
  if (!file) throw new Error(`train-editor --method ${method} wrote no artifact:\n${stdout}`);
  const assets = path.join(REPO, 'plugins', `method-${method}`, 'assets');
  mkdirSync(assets, { recursive: true });
  for (const f of readdirSync(assets)) if (f.startsWith(`${method}-`) && f.endsWith('.safetensors')) rmSync(path.join(assets, f));
  copyFileSync(file, path.join(assets, path.basename(file)));
  const line = `${method}: ${path.basename(file)}, trained in ${Math.round((Date.now() - t0) / 1000)} s wall (${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, load average ${os.loadavg()[0].toFixed(1)}): ${stdout.split('\n')[0]}`;
  process.stdout.write(`${line}\n${stdout}`);
  return { file, line };
}

/** One `crossedit eval` of `method` (an id or a module path) on the first N records; its printed table. */
async function evaluate(method: string, lang: 'en' | 'zh', o: EditorsOptions): Promise<string> {
  const name = path.basename(method, '.ts');
  const dir = path.join(o.out, 'eval', `${name}-${lang}`);
  rmSync(dir, { recursive: true, force: true });
  const t0 = Date.now();
  const stdout = await crossedit(['eval', '--backbone', 'tiny', '--backend', 'cpu-f32', '--method', method, '--data', path.join(o.shared, 'data/bizsre/bizsre_test.json'), '--source-lang', lang, '--limit', String(o.eval), '--out', dir], { nice: 10 });
  return `### ${name}, edits in ${lang} (${Math.round((Date.now() - t0) / 1000)} s)\n\n${stdout.trim()}\n`;
}

/** Runs the rebuild and the evaluation. */
export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  const o = parseEditorsArgs(argv);
  mkdirSync(o.out, { recursive: true });
  const parts: string[] = [];
  if (o.train) {
    for (const m of o.methods) {
      const { file, line } = await rebuild(m, o);
      parts.push(`- ${line}`, '');
      if (m !== 'serac') continue;
      parts.push('## SERAC components on the held-out training examples (20 per file, all in one memory)', '', diagnosticsTable(await diagnoseShipped(file, { validation: 20, shared: o.shared })));
      process.stdout.write(parts.join('\n'));
    }
  }
  if (o.eval > 0) parts.push(`## unedited vs MEND vs SERAC on the first ${o.eval} Bi-ZsRE test records (tiny, cpu-f32)`, '');
  else {
    writeFileSync(path.join(o.out, 'table.md'), parts.join('\n'));
    return;
  }
  const unedited = path.join(REPO, 'benchmarks/src/editors/unedited.ts');
  for (const lang of ['en', 'zh'] as const) for (const m of [unedited, ...o.methods]) parts.push(await evaluate(m, lang, o));
  const table = path.join(o.out, 'table.md');
  writeFileSync(table, parts.join('\n'));
  process.stdout.write(`${parts.join('\n')}\ntable: ${table}\n`);
}
