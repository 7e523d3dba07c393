/**
 * SERAC against the method contract (`describeMethodConformance`). Adaptations, all through the
 * suite's documented options: the suite's tiny random model has no shipped artifact, so the `context`
 * hook trains one for it here (the copy-head defaults, 40 iterations on invented facts that include the
 * suite's two requests; the same seeded model every fixture, so one artifact fits all) and loads it once
 * (SERAC caches a loaded artifact per base model, which the suite's memory baseline must already
 * contain); the edit is scored through `EditResult.model`, SERAC's wrapper.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseHparams, type EditContext } from '@crossedit/core';
import { CONFORMANCE_EXAMPLES, CONFORMANCE_SOURCE, CONFORMANCE_VOCABULARY } from '@crossedit/editor-training/testing';
import { CONFORMANCE_REQUESTS, describeMethodConformance } from '@crossedit/testing';
import serac, { defaultSeracConfig, trainSerac, type SeracHparams } from './index.js';

const DIR = mkdtempSync(join(tmpdir(), 'serac-conformance-'));
let trained: Promise<unknown> | null = null;

async function ready(base: EditContext): Promise<Partial<EditContext>> {
  const cfg = defaultSeracConfig(base.model.config);
  cfg.loop = { ...cfg.loop, maxIters: 40, batchSize: 4, valEvery: 0, valCount: 0, checkpointEvery: 20 };
  trained ??= trainSerac({ model: base.model, tokenizer: base.tokenizer, backbone: base.backbone.id, config: cfg, train: CONFORMANCE_EXAMPLES, validation: [], sources: [CONFORMANCE_SOURCE], runDir: join(DIR, 'run'), outDir: join(DIR, 'art') });
  await trained;
  const h = parseHparams<SeracHparams>('serac', serac.hparams, { artifactDir: join(DIR, 'art') });
  const r = await serac.apply({ ...base, cacheDir: DIR }, [CONFORMANCE_REQUESTS[0]], h);
  await r.restore();
  return { cacheDir: DIR };
}

describeMethodConformance(serac, { hparams: { artifactDir: join(DIR, 'art') }, vocabulary: CONFORMANCE_VOCABULARY, context: ready, minLogProbRise: 0.25 });
