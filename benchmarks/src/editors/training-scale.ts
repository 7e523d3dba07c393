/**
 * `pnpm bench training-scale`: the paper's Figure 3 study on the embedded model. For each training size
 * N (100 / 500 / 1K / 3K / 5K by default) SERAC and MEND are trained on the first N/2 examples of the
 * English ZsRE file and of the Chinese MzsRE pairs file (N in all; `crossedit train-editor --train-limit`),
 * with their iterations capped (`--serac-iters`, `--mend-iters`: the same budget at every size, so larger
 * sizes see each example fewer times — the cap is what makes the study fit on a laptop), and IKE gets a
 * demonstration bank of N records (`bankLimit`). Each is evaluated on a fixed slice of the Bi-ZsRE test
 * set (`--limit`, edits in `--langs`), and the points go to a `crossedit.training-scale/1` file (`--out`,
 * default `docs/grid/training-scale.json`), which `pnpm grid --training-scale FILE` draws as Figure 3.
 * Runs, artifacts and evaluations go under `--work` (default `.cache/crossedit/training-scale`).
 *
 *   pnpm bench training-scale --limit 10 --sizes 100,500,1000,3000,5000
 */
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { readResults } from '@crossedit/eval';
import { trainingScalePoints, TRAINING_SCALE_SIZES, writeTrainingScale, type TrainingScalePoint } from '@crossedit/editor-training';
import { choiceListFlag, numberFlag, numberListFlag } from '../args.js';
import { crossedit, REPO } from './cli.js';

/** Options of the study. */
export interface TrainingScaleOptions {
  sizes: number[];
  limit: number;
  langs: string[];
  methods: string[];
  seracIters: number;
  mendIters: number;
  out: string;
  work: string;
  shared: string;
}

/**
 * Parses the study's flags (defaults in the file comment; `--limit` 10, `--langs` en,zh, `--methods`
 * serac,mend,ike, `--serac-iters` 60, `--mend-iters` 200).
 * @throws Error naming the flag for an unknown flag, a missing value, a size that is not an integer >= 2,
 * a count that is not an integer >= 1, or a method other than serac, mend, ike.
 */
export function parseTrainingScaleArgs(argv: readonly string[]): TrainingScaleOptions {
  const s = { type: 'string' } as const;
  const { values } = parseArgs({ args: [...argv], strict: true, options: { sizes: s, limit: s, langs: s, methods: s, 'serac-iters': s, 'mend-iters': s, out: s, work: s } });
  const positive = { integer: true, min: 1 };
  return {
    sizes: numberListFlag(values, 'sizes', { integer: true, min: 2 }, TRAINING_SCALE_SIZES.filter((x): x is number => x !== null)),
    limit: numberFlag(values, 'limit', positive, 10),
    langs: (values.langs ?? 'en,zh').split(','),
    methods: choiceListFlag(values, 'methods', ['serac', 'mend', 'ike'], ['serac', 'mend', 'ike']),
    seracIters: numberFlag(values, 'serac-iters', positive, 60),
    mendIters: numberFlag(values, 'mend-iters', positive, 200),
    out: path.resolve(values.out ?? path.join(REPO, 'docs/grid/training-scale.json')),
    work: path.resolve(values.work ?? path.join(REPO, '.cache/crossedit/training-scale')),
    shared: path.resolve(process.env.CROSSEDIT_SHARED ?? path.join(REPO, '..', 'shared')),
  };
}

/** The training-config override of one method at the study's iteration cap. */
export function scaleSchedule(method: 'serac' | 'mend', o: Pick<TrainingScaleOptions, 'seracIters' | 'mendIters'>): unknown {
  return method === 'serac' ? { loop: { maxIters: o.seracIters, valEvery: 0, patience: 0, checkpointEvery: 20 } } : { loop: { maxIters: o.mendIters, valEvery: 0, patience: 0, checkpointEvery: 50 } };
}

async function train(method: 'serac' | 'mend', n: number, o: TrainingScaleOptions): Promise<string> {
  const data = [path.join(o.shared, 'data/zsre-train/zsre_mend_train_en_10000.json'), path.join(o.shared, 'data/mzsre/train/zsre_mend_train_zh_10000.txt')];
  const dir = path.join(o.work, `${method}-${n}`);
  const stdout = await crossedit(
    ['train-editor', '--method', method, '--backbone', 'tiny', '--backend', 'cpu-f32', '--data', data.join(','), '--lang', 'en,zh', '--train-limit', String(Math.ceil(n / 2)), '--validation', '20', '--run', path.join(dir, 'run'), '--out', path.join(dir, 'art'), '--set', JSON.stringify(scaleSchedule(method, o))],
    { nice: 10 },
  );
  const file = /artifact: (.+\.safetensors)/.exec(stdout)?.[1];
  if (!file) throw new Error(`train-editor --method ${method} --train-limit ${Math.ceil(n / 2)} wrote no artifact:\n${stdout}`);
  return file;
}

async function evaluate(method: string, hparam: string, lang: string, tag: string, o: TrainingScaleOptions) {
  const dir = path.join(o.work, 'eval', `${tag}-${lang}`);
  rmSync(dir, { recursive: true, force: true });
  await crossedit(['eval', '--backbone', 'tiny', '--backend', 'cpu-f32', '--method', method, '--hparam', hparam, '--data', path.join(o.shared, 'data/bizsre/bizsre_test.json'), '--source-lang', lang, '--limit', String(o.limit), '--out', dir], { nice: 10, quiet: true });
  return readResults(dir).aggregate;
}

/** Runs the study and writes the file; returns its points. */
export async function runTrainingScale(o: TrainingScaleOptions): Promise<TrainingScalePoint[]> {
  mkdirSync(o.work, { recursive: true });
  mkdirSync(path.dirname(o.out), { recursive: true });
  const points: TrainingScalePoint[] = [];
  for (const n of o.sizes) {
    for (const method of o.methods) {
      const t0 = Date.now();
      const art = method === 'ike' ? null : await train(method as 'serac' | 'mend', n, o);
      for (const lang of o.langs) {
        const table = await evaluate(method, art ? `artifact=${art}` : `bankLimit=${n}`, lang, `${method}-${n}`, o);
        points.push(...trainingScalePoints(table, { method, backbone: 'tiny', sourceLang: lang, trainSamples: n, ...(art ? { artifact: path.basename(art) } : {}) }));
      }
      process.stdout.write(`${method} at ${n} samples: ${Math.round((Date.now() - t0) / 1000)} s\n`);
      writeTrainingScale(o.out, points, o.sizes); // after every step: a partial study is still drawable
    }
  }
  return points;
}

/** Entry point of `pnpm bench training-scale`. */
export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  const o = parseTrainingScaleArgs(argv);
  const points = await runTrainingScale(o);
  const rel = points.filter((p) => p.metric === 'reliability' && p.score === 'f1');
  for (const p of rel) process.stdout.write(`${p.method} ${p.sourceLang} N=${p.trainSamples}: reliability F1 ${p.value}\n`);
  process.stdout.write(`training-scale data: ${o.out} (draw it: pnpm grid --training-scale ${path.relative(process.cwd(), o.out)})\n`);
}
