/** `apply`: find the artifact for this backbone and language, load it (cached), edit with one gradient. */
import { join } from 'node:path';
import type { EditContext, EditRequest, EditResult } from '@crossedit/core';
import { baseWeightsHash, locateArtifact } from '@crossedit/editor-training';
import { loadMendArtifact, MEND_ASSETS, MEND_CODE_VERSION } from './artifact.js';
import { applyMend, mendDeltas } from './edit.js';
import type { MendEditor } from './editor.js';
import type { MendHparams } from './hparams.js';

const loaded = new WeakMap<object, Map<string, Promise<{ editor: MendEditor }>>>();

/** The search directories for a context and hyperparameters. */
export function searchDirs(ctx: Pick<EditContext, 'cacheDir'>, h: { artifactDir: string }, assets: string): string[] {
  return [h.artifactDir, join(ctx.cacheDir ?? '.cache/crossedit', 'editors'), assets].filter(Boolean);
}

/** Edits `ctx.model` with MEND; the artifact must match the model's weights and the edit language. */
export async function mendApply(ctx: EditContext, requests: readonly EditRequest[], h: MendHparams): Promise<EditResult> {
  const t0 = performance.now();
  const lang = requests[0]?.lang ?? 'en';
  if (requests.some((r) => r.lang !== lang)) throw new Error('mend: one batch must edit in one language');
  const info = await locateArtifact({
    method: 'mend',
    weightsHash: await baseWeightsHash(ctx.model),
    lang,
    codeVersion: MEND_CODE_VERSION,
    path: h.artifact || undefined,
    dirs: searchDirs(ctx, h, MEND_ASSETS),
    command: { backbone: ctx.backbone.id, outDir: h.artifactDir || join(ctx.cacheDir ?? '.cache/crossedit', 'editors') },
  });
  let byPath = loaded.get(ctx.backend);
  if (!byPath) loaded.set(ctx.backend, (byPath = new Map()));
  const cache = byPath;
  let p = cache.get(info.path);
  if (!p) {
    p = loadMendArtifact(info.path, ctx.backbone.config, ctx.backend);
    cache.set(info.path, p);
    p.catch(() => cache.delete(info.path));
  }
  const { editor } = await p;
  const t1 = performance.now();
  const { deltas, loss, rows } = await mendDeltas(ctx.model, ctx.tokenizer, editor, requests, h.lrScale);
  const restore = applyMend(ctx.model, deltas);
  return {
    deltas,
    restore: async () => {
      await restore();
      for (const d of deltas) d.delta.dispose();
    },
    diagnostics: { artifact: info.id.slice(0, 16), editLoss: loss, tokenRows: rows, loadMs: t1 - t0, editMs: performance.now() - t1 },
  };
}
