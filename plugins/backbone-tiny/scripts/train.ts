/**
 * Trains the tiny backbone (what `crossedit train` runs), resuming the run folder's latest checkpoint.
 *
 *   node --conditions=@crossedit/source --import tsx plugins/backbone-tiny/scripts/train.ts \
 *     [--run DIR] [--backend cpu|webgpu] [--set '{"steps":600}'] [--fresh] [--stop-after N] [--publish]
 *
 * --run        run folder (default plugins/backbone-tiny/.cache/runs/main)
 * --backend    cpu (default) or webgpu
 * --set        JSON overrides of DEFAULT_TRAIN_CONFIG (e.g. '{"facts":100,"model":{"numLayers":2}}')
 * --fresh      ignore existing checkpoints
 * --stop-after stop after N steps of this session (resume later)
 * --publish    copy the finished export into plugins/backbone-tiny/assets/
 */
import path from 'node:path';
import type { Backend } from '@crossedit/core';
import { createCpuBackend } from '@crossedit/cpu';
import { cacheDir } from '../src/paths.js';
import { DEFAULT_TRAIN_CONFIG, withOverrides } from '../src/train/config.js';
import { publishExport, train } from '../src/train/run.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const runDir = path.resolve(arg('--run') ?? path.join(cacheDir, 'runs', 'main'));
const kind = arg('--backend') ?? 'cpu';
let backend: Backend;
if (kind === 'webgpu') {
  const { createWebGpuBackend } = await import('@crossedit/webgpu');
  backend = await createWebGpuBackend();
} else if (kind === 'cpu') backend = createCpuBackend();
else throw new Error(`--backend must be cpu or webgpu, got '${kind}'`);
const config = withOverrides(DEFAULT_TRAIN_CONFIG, JSON.parse(arg('--set') ?? '{}'));
const stop = arg('--stop-after');
const res = await train({ runDir, backend, config, resume: !process.argv.includes('--fresh'), stopAfter: stop === undefined ? undefined : Number(stop) });
const last = res.state.evals.at(-1);
process.stderr.write(
  `${res.finished ? 'finished' : 'stopped'} at step ${res.state.step}/${config.steps} after ${Math.round(res.state.seconds)} s` +
    (last ? `; accuracy en ${last.accEn} zh ${last.accZh}, held-out loss ${last.heldOutLoss}` : '') +
    '\n',
);
if (res.finished && res.finalDir && process.argv.includes('--publish')) {
  publishExport(res.finalDir);
  process.stderr.write(`published ${res.finalDir} -> assets/\n`);
}
backend.dispose();
