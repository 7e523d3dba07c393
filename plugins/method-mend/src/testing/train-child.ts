/**
 * A MEND training run on the tiny random test model, as a process of its own, for the SIGKILL resume
 * test (`kill-resume.test.ts`): `train-child.ts RUN_DIR OUT_DIR` trains (resuming from RUN_DIR's
 * checkpoint when there is one) and prints `artifact: PATH` when finished.
 */
import { tinySetup } from '@crossedit/stats/testing';
import type { EditExample } from '@crossedit/editor-training';
import { defaultMendConfig, trainMend } from '../index.js';

/** The schedule: 2 iterations per optimizer step, a checkpoint every 2 steps. */
export const CHILD_LOOP = { maxIters: 48, accumulate: 2, checkpointEvery: 2 };

const EX: EditExample[] = [
  { index: 0, lang: 'en', prompt: 'What is the capital city of France', target: 'Rome', loc: 'Who was born in Berlin', locAns: 'Einstein' },
  { index: 1, lang: 'en', prompt: 'Which language is spoken in Japan', target: 'German', loc: 'What sport plays the team', locAns: 'chess' },
  { index: 2, lang: 'en', prompt: 'Who founded the company Nokia', target: 'Picasso', loc: 'Where is the river located', locAns: 'Canada' },
  { index: 3, lang: 'en', prompt: 'What is the capital city of Italy', target: 'Madrid', loc: 'Who works for Apple', locAns: 'Newton' },
];

const [runDir, outDir] = process.argv.slice(2);
if (!runDir || !outDir) throw new Error('usage: train-child.ts RUN_DIR OUT_DIR');
const s = tinySetup({ seed: 8 });
const cfg = defaultMendConfig(s.model.config);
cfg.arch = { layers: [2, 3], kinds: ['mlp.gate', 'mlp.up', 'mlp.down'], rank: 6, depth: 2, editLr: 1e-2, norm: true, seed: 7 };
cfg.loop = { ...cfg.loop, ...CHILD_LOOP, valEvery: 10, valCount: 1, patience: 0 };
const source = { file: 'toy.json', sha256: 'x', lang: 'en', format: 'zsre' as const, limit: null, used: 3, validation: 1 };
const r = await trainMend({
  model: s.model,
  tokenizer: s.tokenizer,
  backbone: 'toy',
  config: cfg,
  train: EX.slice(0, 3),
  validation: EX.slice(3),
  sources: [source],
  runDir,
  outDir,
  log: (l) => process.stderr.write(`${l}\n`),
});
process.stdout.write(`artifact: ${r.artifact}\n`);
