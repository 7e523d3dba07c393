/** MEMIT step 2a: the keys of each request at one layer, averaged within and then across template groups. */
import type { EditContext, EditRequest } from '@crossedit/core';
import { captureAtLookup, contextRow, promptTemplate, type EditRow } from '@crossedit/locate-edit';

/**
 * The `mlp.down` input at the subject's last token, for each request: the mean over each template
 * group, then the mean of the group means (so the bare `{}` group weighs as much as all generated
 * templates together). Returns `requests.length × M` row-major.
 */
export async function computeKeys(ctx: EditContext, requests: readonly EditRequest[], layer: number, groups: readonly (readonly string[])[]): Promise<Float64Array> {
  const rows: EditRow[] = [];
  for (const req of requests) {
    const tpl = promptTemplate(req);
    for (const g of groups) for (const t of g) rows.push(contextRow(ctx.tokenizer, t, tpl, req.subject));
  }
  const [keys] = await captureAtLookup(ctx.model, ctx.tokenizer, rows, [{ ref: { kind: 'mlp.down', layer }, io: 'input' }]);
  const m = keys.length / rows.length;
  const out = new Float64Array(requests.length * m);
  let at = 0;
  for (let r = 0; r < requests.length; r++) {
    for (const g of groups) {
      for (let t = 0; t < g.length; t++, at++) {
        for (let j = 0; j < m; j++) out[r * m + j] += keys[at * m + j] / g.length / groups.length;
      }
    }
  }
  return out;
}

/** The output of decoder layer `layer` at the subject's last token of each bare prompt, `n × D`. */
export async function computeHidden(ctx: EditContext, requests: readonly EditRequest[], layer: number): Promise<Float64Array> {
  const rows = requests.map((req) => contextRow(ctx.tokenizer, '{}', promptTemplate(req), req.subject));
  const [h] = await captureAtLookup(ctx.model, ctx.tokenizer, rows, [{ ref: { kind: 'layer', layer }, io: 'output' }]);
  return h;
}
