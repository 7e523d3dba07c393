import { existsSync } from 'node:fs';
import path from 'node:path';
import type { TrainProgress } from '@crossedit/core';
import type { Command } from '../args.js';
import { required } from '../args.js';
import { UsageError } from '../backend.js';
import { resolveMethod } from '../plugins.js';
import { ProgressBar } from '../progress.js';
import { checkpointLoader, MODEL_OPTIONS, openModel } from '../session.js';

function positiveInt(v: unknown, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!(Number.isInteger(n) && n > 0)) throw new UsageError(`${flag} must be a positive integer (got '${v}')`);
  return n;
}

/** `crossedit train-editor`: trains MEND's hypernetwork or SERAC's components (resumable). */
export const trainEditorCommand: Command = {
  name: 'train-editor',
  summary: 'train a MEND or SERAC artifact for a backbone (seeded, resumable, early stopping, loss curves)',
  usage: 'train-editor --method mend|serac --backbone ID [--model-dir DIR] --data FILE[,FILE] --lang en[,zh] [--train-limit N] [--out DIR] [--run DIR] [--classifier-dir DIR] [--cf-model-dir DIR]',
  options: {
    ...MODEL_OPTIONS,
    backend: { type: 'string', help: 'auto, webgpu or cpu', arg: 'KIND', default: 'cpu' },
    method: { type: 'string', help: 'mend or serac', arg: 'ID' },
    data: { type: 'string', help: 'ZsRE-format JSON or question<TAB>answer pairs files, comma-separated', arg: 'FILES' },
    lang: { type: 'string', help: 'language of each data file, comma-separated', arg: 'CODES', default: 'en' },
    'train-limit': { type: 'string', help: 'train on the first N examples of each file (training-scale study)', arg: 'N' },
    validation: { type: 'string', help: 'examples held out from the end of each file for validation', arg: 'N', default: '50' },
    out: { type: 'string', help: 'artifact directory', arg: 'DIR', default: '.cache/crossedit/editors' },
    run: { type: 'string', help: 'run folder (checkpoint, curve.json, losses.csv); default under .cache/crossedit/runs', arg: 'DIR' },
    set: { type: 'string', help: 'JSON overrides of the training config, e.g. {"loop":{"maxIters":200}}', arg: 'JSON' },
    fresh: { type: 'boolean', help: 'ignore an existing checkpoint' },
    'stop-after': { type: 'string', help: 'stop after N iterations of this session (resume later)', arg: 'N' },
    'classifier-dir': { type: 'string', help: 'SERAC: a BERT-family encoder directory as the scope classifier (e.g. distilbert-base-cased)', arg: 'DIR' },
    'cf-model-dir': { type: 'string', help: 'SERAC: a LLaMA-family checkpoint directory as the counterfactual model (e.g. llama-160m; same vocabulary as the backbone)', arg: 'DIR' },
  },
  async run(values) {
    const method = required(values, 'method');
    const m = await resolveMethod(method);
    if (!m.train) throw new UsageError(`--method ${method}: the method trains no artifact (mend and serac do)`);
    const files = required(values, 'data').split(',').filter(Boolean);
    const langs = String(values.lang).split(',').filter(Boolean);
    if (langs.length !== files.length) throw new UsageError(`--lang gives ${langs.length} language(s) for ${files.length} data file(s)`);
    const limit = positiveInt(values['train-limit'], '--train-limit');
    const validation = Number(values.validation);
    if (!(Number.isInteger(validation) && validation >= 0)) throw new UsageError(`--validation must be a non-negative integer (got '${values.validation}')`);
    const stopAfter = positiveInt(values['stop-after'], '--stop-after');
    let overrides: unknown;
    try {
      overrides = values.set === undefined ? undefined : JSON.parse(String(values.set));
    } catch (e) {
      throw new UsageError(`--set must be JSON: ${(e as Error).message}`);
    }
    // SERAC's component directories go into its training config (recorded in the artifact with their hashes)
    const dirs = { classifierDir: values['classifier-dir'] as string | undefined, cfModelDir: values['cf-model-dir'] as string | undefined };
    for (const [flag, dir] of [
      ['--classifier-dir', dirs.classifierDir],
      ['--cf-model-dir', dirs.cfModelDir],
    ] as const) {
      if (dir === undefined) continue;
      if (m.id !== 'serac') throw new UsageError(`${flag} applies to --method serac only`);
      if (!existsSync(dir)) throw new UsageError(`${flag} ${path.resolve(dir)}: directory not found`);
    }
    if (dirs.classifierDir !== undefined || dirs.cfModelDir !== undefined) {
      if (overrides !== undefined && (typeof overrides !== 'object' || overrides === null || Array.isArray(overrides))) throw new UsageError('--set must be a JSON object');
      overrides = {
        ...(overrides as Record<string, unknown> | undefined),
        ...(dirs.classifierDir !== undefined ? { classifierDir: path.resolve(dirs.classifierDir) } : {}),
        ...(dirs.cfModelDir !== undefined ? { cfModelDir: path.resolve(dirs.cfModelDir) } : {}),
      };
    }
    // editors train on f32 weights (their inner steps add f32 deltas to the matrices): auto means f32 here
    if (values.dtype === 'f16') throw new UsageError('--dtype f16: train-editor trains MEND/SERAC on f32 weights; use --dtype f32');
    const s = await openModel({ ...values, dtype: 'f32' });
    const tag = `${m.id}-${s.backbone.id}-${langs.join('+')}-${limit ?? 'all'}`;
    const runDir = path.resolve((values.run as string | undefined) ?? path.join('.cache/crossedit/runs', tag));
    const outDir = path.resolve(String(values.out));
    const seed = s.seed || 42;
    const ac = new AbortController();
    const onSigint = () => {
      process.stderr.write('\ninterrupt: stopping at the next iteration (run the same command again to resume from the last checkpoint)\n');
      ac.abort();
    };
    process.once('SIGINT', onSigint);
    const log = (l: string) => process.stderr.write(`\n${l}\n`);
    try {
      let bar: ProgressBar | null = null;
      const onProgress = (p: TrainProgress) => {
        bar ??= new ProgressBar(`train ${m.id}`, p.maxIters);
        bar.update(p.iter, `loss ${p.loss.toFixed(3)} (edit ${p.edit.toFixed(3)}, loc ${p.loc.toFixed(4)}) val acc ${p.valAcc === null ? '-' : p.valAcc.toFixed(3)}`);
      };
      process.stderr.write(`training ${m.id} on ${s.backbone.id} from ${files.map((f, i) => `${path.basename(f)} (${langs[i]})`).join(', ')}; run folder ${runDir}\n`);
      const r = await m.train({
        model: s.model,
        tokenizer: s.tokenizer,
        backbone: { id: s.backbone.id, config: s.model.config },
        data: files.map((file, i) => ({ file, lang: langs[i] })),
        trainLimit: limit,
        validation,
        seed,
        runDir,
        outDir,
        overrides,
        resume: !values.fresh,
        stopAfter,
        signal: ac.signal,
        onProgress,
        log,
        loadCheckpoint: checkpointLoader(s),
      });
      (bar as ProgressBar | null)?.finish();
      process.stdout.write(
        `${r.finished ? `finished (${r.stopped})` : 'stopped'} after ${r.iterations} iterations, ${r.optimizerSteps} optimizer steps, ${Math.round(r.seconds)} s on ${r.examples} examples` +
          (r.best ? `; best validation edit accuracy ${r.best.editAcc} at step ${r.best.optStep}` : '') +
          `\nrun folder: ${runDir} (curve.json, losses.csv, validation.csv)\n` +
          (r.artifact ? `artifact: ${r.artifact}\n` : 'resume with the same command\n'),
      );
    } finally {
      process.off('SIGINT', onSigint);
      s.model.dispose();
      s.backend.dispose();
    }
  },
};
