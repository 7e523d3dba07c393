/** ROME step 2: v*, the MLP output at the subject's last token that makes the model say the target. */
import type { EditContext, EditRequest } from '@crossedit/core';
import { optimizeDelta, type DeltaResult, type DeltaSettings } from '@crossedit/locate-edit';
import { contextRow, promptTemplate, rewriteRow, targetIds, type FactToken } from '@crossedit/locate-edit';

/**
 * Optimises δ added to the output of `mlp` at `layer` over one rewriting row per template (prompt in
 * context + target) and the KL prompt; v* = v0 + δ with v0 the unedited MLP output of the bare prompt.
 */
export async function computeV(
  ctx: EditContext,
  req: EditRequest,
  layer: number,
  templates: readonly string[],
  hp: DeltaSettings & { paperEraTargets: boolean; klPrompt: string; factToken?: FactToken },
): Promise<DeltaResult & { targetIds: number[] }> {
  const tok = ctx.tokenizer;
  const tpl = promptTemplate(req);
  const target = targetIds(tok, req.prompt, req.target, hp.paperEraTargets);
  const rows = templates.map((t) => rewriteRow(tok, t, tpl, req.subject, target, hp.factToken));
  const kl = contextRow(tok, '{}', hp.klPrompt, req.subject, hp.factToken);
  const r = await optimizeDelta(ctx.model, tok, rows, kl, { kind: 'mlp', layer }, hp);
  return { ...r, targetIds: target };
}
