import path from 'node:path';
import { combineData, loadEditorData, type LoopProgress } from '@crossedit/editor-training';
import { defaultMendConfig, trainMend } from '@crossedit/method-mend';
import { defaultSeracConfig, trainSerac } from '@crossedit/method-serac';
import type { Command } from '../args.js';
import { required } from '../args.js';
import { UsageError } from '../backend.js';
import { ProgressBar } from '../progress.js';
import { MODEL_OPTIONS, openModel } from '../session.js';

/** `{a: {b: 1}}` merged into a copy of `base` (objects recursively, other values replaced). */
function merge<T>(base: T, over: unknown, at = '--set'): T {
  if (over === undefined) return base;
  if (!over || typeof over !== 'object' || Array.isArray(over)) throw new UsageError(`${at} must be a JSON object`);
  const out = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(over)) {
    if (!(k in out)) throw new UsageError(`${at}: unknown key '${k}' (known: ${Object.keys(out).join(', ')})`);
    const cur = out[k];
    out[k] = cur && typeof cur === 'object' && !Array.isArray(cur) ? merge(cur, v, `${at}.${k}`) : v;
  }
  return out as T;
}

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
  usage: 'train-editor --method mend|serac --backbone ID [--model-dir DIR] --data FILE[,FILE] --lang en[,zh] [--train-limit N] [--out DIR] [--run DIR]',
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
  },
  async run(values) {
    const method = required(values, 'method');
    if (method !== 'mend' && method !== 'serac') throw new UsageError(`--method must be mend or serac (got '${method}')`);
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
    // read and check every record before loading a model: a bad record trains nothing
    const data = combineData(files.map((f, i) => loadEditorData(f, { lang: langs[i], limit, validation })));
    const s = await openModel(values);
    const tag = `${method}-${s.backbone.id}-${langs.join('+')}-${limit ?? 'all'}`;
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
      const common = { model: s.model, tokenizer: s.tokenizer, backbone: s.backbone.id, train: data.train, validation: data.validation, sources: data.sources, runDir, outDir, resume: !values.fresh, stopAfter, signal: ac.signal, log };
      let bar: ProgressBar | null = null;
      const onProgress = (p: LoopProgress) => {
        bar ??= new ProgressBar(`train ${method}`, p.maxIters);
        bar.update(p.iter, `loss ${p.loss.toFixed(3)} (edit ${p.edit.toFixed(3)}, loc ${p.loc.toFixed(4)}) val acc ${p.valAcc === null ? '-' : p.valAcc.toFixed(3)}`);
      };
      process.stderr.write(`training ${method} on ${s.backbone.id}: ${data.train.length} examples (${data.sources.map((d) => `${d.file} ${d.lang}`).join(', ')}), ${data.validation.length} held out; run folder ${runDir}\n`);
      const r =
        method === 'mend'
          ? await trainMend({ ...common, config: merge(defaultMendConfig(s.model.config, { seed }), overrides), onProgress })
          : await trainSerac({ ...common, config: merge(defaultSeracConfig(s.model.config, { seed }), overrides), onProgress });
      (bar as ProgressBar | null)?.finish();
      const st = r.result.state;
      process.stdout.write(
        `${r.result.finished ? `finished (${st.stopped})` : 'stopped'} after ${st.iter} iterations, ${st.optSteps} optimizer steps, ${Math.round(st.seconds)} s` +
          (st.best ? `; best validation edit accuracy ${st.best.editAcc} at step ${st.best.optStep}` : '') +
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
