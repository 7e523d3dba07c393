/**
 * MEND against the method contract (`describeMethodConformance`). Adaptations, through the suite's
 * documented options: the suite's tiny random model has no shipped artifact, so the `context` hook
 * trains one for it here (24 iterations on invented facts that include the suite's two requests, edit
 * step size `editLr` 0.01 so that one edit moves the random model visibly, lr 1e-3 and accumulation 4 so
 * that the 24 iterations are 6 optimizer steps; the same seeded model every
 * fixture, so one artifact fits all) and loads it once (MEND caches a loaded artifact per base model,
 * which the suite's memory baseline must already contain).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseHparams, type EditContext } from '@crossedit/core';
import { CONFORMANCE_EXAMPLES, CONFORMANCE_SOURCE, CONFORMANCE_VOCABULARY } from '@crossedit/editor-training/testing';
import { CONFORMANCE_REQUESTS, describeMethodConformance } from '@crossedit/testing';
import mend, { defaultMendConfig, trainMend, type MendHparams } from './index.js';

const DIR = mkdtempSync(join(tmpdir(), 'mend-conformance-'));
let trained: Promise<unknown> | null = null;

async function ready(base: EditContext): Promise<Partial<EditContext>> {
  const cfg = defaultMendConfig(base.model.config);
  cfg.arch = { ...cfg.arch, editLr: 1e-2 };
  cfg.optim = { ...cfg.optim, lr: 1e-3 };
  cfg.loop = { ...cfg.loop, maxIters: 24, accumulate: 4, valEvery: 0, valCount: 0, patience: 0, checkpointEvery: 3 };
  trained ??= trainMend({ model: base.model, tokenizer: base.tokenizer, backbone: base.backbone.id, config: cfg, train: CONFORMANCE_EXAMPLES, validation: [], sources: [CONFORMANCE_SOURCE], runDir: join(DIR, 'run'), outDir: join(DIR, 'art') });
  await trained;
  const h = parseHparams<MendHparams>('mend', mend.hparams, { artifactDir: join(DIR, 'art') });
  const r = await mend.apply({ ...base, cacheDir: DIR }, [CONFORMANCE_REQUESTS[0]], h);
  await r.restore();
  return { cacheDir: DIR };
}

describeMethodConformance(mend, { hparams: { artifactDir: join(DIR, 'art') }, vocabulary: CONFORMANCE_VOCABULARY, context: ready, minLogProbRise: 0.05 });
