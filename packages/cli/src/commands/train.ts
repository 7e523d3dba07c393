import path from 'node:path';
import { cacheDir, DEFAULT_TRAIN_CONFIG, publishExport, STUDY_RUNS, train, withOverrides } from '@crossedit/backbone-tiny';
import type { Command } from '../args.js';
import { intOption } from '../args.js';
import { UsageError } from '../backend.js';
import { createBackend, parseBackendKind } from '../backend.js';
import { STOP_SIGNALS, type StopSignal } from '../lifeline.js';

/** The signals a training run stops on cleanly (all of the lifeline's). */
const SIGNALS = Object.keys(STOP_SIGNALS) as StopSignal[];

/** The names `--study` takes. */
const STUDY_NAMES = Object.keys(STUDY_RUNS).join(', ');

/** `crossedit train`: trains (or resumes training of) the embedded tiny bilingual backbone. */
export const trainCommand: Command = {
  name: 'train',
  summary: 'train the embedded tiny bilingual backbone (seeded, resumable, loss curves written out)',
  usage: 'train [--run DIR] [--backend cpu-f32|cpu|webgpu|auto] [--study NAME] [--set JSON] [--fresh] [--stop-after N] [--publish]',
  options: {
    run: { type: 'string', help: 'run folder (checkpoints, losses.csv, curve.json)', arg: 'DIR' },
    backend: { type: 'string', help: 'auto, webgpu, cpu (float64 reference) or cpu-f32 (the shipped run)', arg: 'KIND', default: 'cpu-f32' },
    study: { type: 'string', help: `start from a run of the embedded model's study instead of the shipped config (${STUDY_NAMES})`, arg: 'NAME' },
    set: { type: 'string', help: 'JSON overrides of the training config, e.g. {"steps":600}', arg: 'JSON' },
    fresh: { type: 'boolean', help: 'ignore existing checkpoints' },
    'stop-after': { type: 'string', help: 'stop after N steps of this session (resume later)', arg: 'N' },
    publish: { type: 'boolean', help: "copy the finished export into the plugin's assets/" },
  },
  async run(values) {
    let overrides: unknown = {};
    try {
      overrides = JSON.parse((values.set as string | undefined) ?? '{}');
    } catch (e) {
      throw new UsageError(`--set must be JSON: ${(e as Error).message}`);
    }
    const study = values.study as string | undefined;
    if (study !== undefined && !Object.hasOwn(STUDY_RUNS, study)) throw new UsageError(`--study: no study run '${study}' (expected one of ${STUDY_NAMES})`);
    const config = withOverrides(study === undefined ? DEFAULT_TRAIN_CONFIG : STUDY_RUNS[study], overrides as never);
    const runDir = path.resolve((values.run as string | undefined) ?? path.join(cacheDir, 'runs', 'main'));
    const backend = await createBackend(parseBackendKind(values.backend as string));
    const stop = intOption(values, 'stop-after', 1);
    // the first SIGINT / SIGTERM / SIGHUP stops after the step in flight, with a checkpoint; a second one exits at once
    const ac = new AbortController();
    let signalled: StopSignal | null = null;
    const onSignal = (sig: StopSignal): void => {
      if (signalled) return;
      signalled = sig;
      process.stderr.write(`\n${sig}: stopping after this step and writing a checkpoint (rerun the same command to resume; ${sig} again exits now)\n`);
      for (const s of SIGNALS) process.off(s, onSignal);
      ac.abort();
    };
    for (const s of SIGNALS) process.on(s, onSignal);
    try {
      const res = await train({ runDir, backend, config, resume: !values.fresh, stopAfter: stop, signal: ac.signal });
      const last = res.state.evals.at(-1);
      process.stdout.write(
        `${res.finished ? 'finished' : res.interrupted ? 'interrupted' : 'stopped'} at step ${res.state.step}/${config.steps} after ${Math.round(res.state.seconds)} s` +
          (last ? `; teacher-forced accuracy en ${last.accEn} zh ${last.accZh}, held-out loss ${last.heldOutLoss}` : '') +
          `\nrun folder: ${runDir}\n`,
      );
      if (res.finished && res.finalDir && values.publish) {
        publishExport(res.finalDir);
        process.stdout.write(`published ${res.finalDir} into the plugin's assets/\n`);
      }
      return res.interrupted && signalled ? 128 + STOP_SIGNALS[signalled] : 0;
    } finally {
      for (const s of SIGNALS) process.off(s, onSignal);
      backend.dispose();
    }
  },
};
