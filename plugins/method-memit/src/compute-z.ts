/** MEMIT step 1: z, the residual stream after the last edited layer that makes the model say the target. */
import type { EditContext, EditRequest } from '@crossedit/core';
import { contextRow, optimizeDelta, promptTemplate, rewriteRow, targetIds, type DeltaResult, type DeltaSettings } from '@crossedit/locate-edit';

/**
 * Optimises δ added to the output of decoder layer `layer` (the residual stream) over one rewriting
 * row per template and the KL prompt; z = h + δ with h the unedited hidden state of the bare prompt.
 */
export async function computeZ(
  ctx: EditContext,
  req: EditRequest,
  layer: number,
  templates: readonly string[],
  hp: DeltaSettings & { paperEraTargets: boolean; klPrompt: string },
): Promise<DeltaResult & { targetIds: number[] }> {
  const tok = ctx.tokenizer;
  const tpl = promptTemplate(req);
  const target = targetIds(tok, req.prompt, req.target, hp.paperEraTargets);
  const rows = templates.map((t) => rewriteRow(tok, t, tpl, req.subject, target));
  const kl = contextRow(tok, '{}', hp.klPrompt, req.subject);
  const r = await optimizeDelta(ctx.model, tok, rows, kl, { kind: 'layer', layer }, hp);
  return { ...r, targetIds: target };
}
