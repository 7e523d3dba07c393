/**
 * A small grid for tests that run the grid in child processes (`--config` this file): a random 2-layer
 * LLaMA over the first records' vocabulary, the real FT plugin and an in-context "prefix" method (IKE's
 * evaluation path), 4 Bi-ZsRE records, En→ and Zh→, on the CPU reference backend. `CROSSEDIT_TEST_FT_LR`
 * changes FT's learning rate (to make a differently configured shard).
 */
import { readFileSync } from 'node:fs';
import { defineMethod, type EditMethod } from '@crossedit/core';
import { defaultDataset, defineGrid, type GridConfig } from '../grid.config.js';
import { randomLlamaBackbone, stringsOf } from '../random-backbone.js';

/** Puts the new fact in front of every question (no weight change). */
export const prefixMethod: EditMethod<{ template: string }> = defineMethod({
  id: 'prefix',
  description: 'test method: in-context fact',
  hparams: { template: { default: 'New Fact: {p} {t}\nPrompt: ', doc: 'context' } },
  requires: () => ({ gradients: false }),
  edits: 'prompt',
  supports: { batch: false, sequential: false },
  async apply(_ctx, requests, h) {
    const ctx = h.template.replace('{p}', requests[0].prompt).replace('{t}', requests[0].target);
    return { deltas: [], wrapPrompt: (q) => ctx + q, diagnostics: {}, restore: async () => undefined };
  },
});

/** The config (outDir is set by `--out`). */
export function smallGrid(records = 4): GridConfig {
  const dataset = defaultDataset();
  const texts = stringsOf((JSON.parse(readFileSync(dataset, 'utf8')) as unknown[]).slice(0, records));
  const bb = randomLlamaBackbone({ id: 'rand', texts, arch: { hiddenSize: 16, intermediateSize: 32, numLayers: 2, numHeads: 2, numKvHeads: 2, maxPositions: 256 }, seed: 3 });
  const lr = process.env.CROSSEDIT_TEST_FT_LR;
  return defineGrid({
    name: 'small test grid',
    dataset,
    backbones: [{ plugin: bb }],
    methods: [{ plugin: 'ft', hparams: { numSteps: 3, ...(lr ? { lr: Number(lr) } : {}) } }, { plugin: prefixMethod, label: 'Prefix' }],
    sourceLangs: ['en', 'zh'],
    limit: records,
    scorer: 'correct',
    schedule: 'single',
    backend: 'cpu',
    outDir: 'out/small-grid',
    f1Tokenizer: 'backbone',
  });
}

export default () => smallGrid();
