/** Applying MEND to a model: one forward/backward for the factors, the transform, the weight deltas. */
import { add, applyDeltas, tidy, untrack, type EditRequest, type LanguageModel, type Tokenizer, type WeightDelta } from '@crossedit/core';
import { collate, disposeBatch, editRow } from '@crossedit/editor-training';
import { captureFactors, disposeFactors } from './capture.js';
import type { MendEditor } from './editor.js';

/** Weight deltas of an edit with `requests` (rows pooled, as the reference's batch edit). */
export async function mendDeltas(model: LanguageModel, tokenizer: Tokenizer, editor: MendEditor, requests: readonly EditRequest[], lrScale = 1): Promise<{ deltas: WeightDelta[]; loss: number; rows: number }> {
  const pad = tokenizer.special.pad ?? tokenizer.special.eos ?? 0;
  const batch = collate(requests.map((r) => editRow(tokenizer, r.prompt, r.target)), pad, model.backend);
  try {
    const { factors, loss } = await captureFactors(model, batch, editor.matrices);
    try {
      const ds = tidy(() => editor.deltas(factors, lrScale));
      return {
        deltas: editor.matrices.map((m, i) => ({ ref: m.ref, delta: untrack(ds[i]) })),
        loss,
        rows: factors[0]?.rows ?? 0,
      };
    } finally {
      disposeFactors(factors);
    }
  } finally {
    disposeBatch(batch);
  }
}

/** Applies the deltas; returns the restore function (bit-identical). The deltas stay owned by the caller. */
export function applyMend(model: LanguageModel, deltas: readonly WeightDelta[]): () => Promise<void> {
  return applyDeltas(model, deltas, (a, b) => untrack(add(a, b)));
}
