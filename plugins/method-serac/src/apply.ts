/**
 * `apply`: find and load (once per base model) the artifact for this backbone and language, append the
 * edits to the base model's memory, and return the wrapper model the evaluator scores.
 */
import { join } from 'node:path';
import type { EditContext, EditRequest, EditResult, LanguageModel } from '@crossedit/core';
import { baseWeightsHash, locateArtifact } from '@crossedit/editor-training';
import { loadSeracArtifact, SERAC_ASSETS, SERAC_CODE_VERSION, type SeracComponents } from './artifact.js';
import type { SeracHparams } from './hparams.js';
import { appendMemory, memoryEntry, memoryOf } from './memory.js';
import { SeracModel } from './wrapper.js';

const loaded = new WeakMap<LanguageModel, Map<string, Promise<SeracComponents>>>();

/** Edits by appending to the memory; the weights are untouched (`deltas` is empty). */
export async function seracApply(ctx: EditContext, requests: readonly EditRequest[], h: SeracHparams): Promise<EditResult> {
  const t0 = performance.now();
  const lang = requests[0]?.lang ?? 'en';
  if (requests.some((r) => r.lang !== lang)) throw new Error('serac: one batch must edit in one language');
  const editors = join(ctx.cacheDir ?? '.cache/crossedit', 'editors');
  const info = await locateArtifact({
    method: 'serac',
    weightsHash: await baseWeightsHash(ctx.model),
    lang,
    codeVersion: SERAC_CODE_VERSION,
    path: h.artifact || undefined,
    dirs: [h.artifactDir, editors, SERAC_ASSETS].filter(Boolean),
    command: { backbone: ctx.backbone.id, outDir: h.artifactDir || editors },
  });
  let byPath = loaded.get(ctx.model);
  if (!byPath) loaded.set(ctx.model, (byPath = new Map()));
  const cache = byPath;
  const key = `${info.path}|${h.classifierDir}|${h.cfModelDir}`;
  let p = cache.get(key);
  if (!p) {
    p = loadSeracArtifact(info.path, ctx.model, { tokenizer: ctx.tokenizer, classifierDir: h.classifierDir || undefined, cfModelDir: h.cfModelDir || undefined, loadCheckpoint: ctx.loadCheckpoint });
    cache.set(key, p);
    p.catch(() => cache.delete(key));
  }
  const c = await p;
  const entries = requests.map((r) => memoryEntry(ctx.tokenizer, r));
  // a BERT classifier tokenizes the entries now (asynchronous), so the wrapper's forward can stay synchronous
  await c.classifier.prepareEntries(entries);
  const remove = appendMemory(ctx.model, entries);
  const base = ctx.model;
  return {
    deltas: [],
    model: new SeracModel(base, c.counterfactual, c.classifier, () => memoryOf(base), ctx.tokenizer.special.bos !== null),
    restore: async () => remove(),
    diagnostics: { artifact: info.id.slice(0, 16), memory: memoryOf(base).length, editMs: performance.now() - t0 },
  };
}
