/** ROME step 1: the key u, the `mlp.down` input at the subject's last token averaged over templates. */
import type { EditContext, EditRequest } from '@crossedit/core';
import { captureAtLookup, meanRows, norm2 } from '@crossedit/locate-edit';
import { secondMomentFactor, solveWithFactor } from '@crossedit/stats';
import { contextRow, promptTemplate, type FactToken } from '@crossedit/locate-edit';

/** The result of {@link computeU}. */
export interface ComputeUResult {
  /** The unit vector u (width M). */
  u: Float64Array;
  /** The averaged key k̄. */
  kMean: Float64Array;
}

/**
 * u = k̄ / ‖k̄‖, or with `mom2Adjustment` u = C⁻¹k̄ / ‖C⁻¹k̄‖ (C from `ctx.stats`), where k̄ is the mean
 * over `templates` of the key at the subject's last token.
 */
export async function computeU(
  ctx: EditContext,
  req: EditRequest,
  layer: number,
  templates: readonly string[],
  opts: { mom2Adjustment: boolean; factToken?: FactToken },
): Promise<ComputeUResult> {
  const tpl = promptTemplate(req);
  const rows = templates.map((t) => contextRow(ctx.tokenizer, t, tpl, req.subject, opts.factToken));
  const [keys] = await captureAtLookup(ctx.model, ctx.tokenizer, rows, [{ ref: { kind: 'mlp.down', layer }, io: 'input' }]);
  const m = keys.length / rows.length;
  const kMean = meanRows(keys, rows.length, m);
  let u = kMean;
  if (opts.mom2Adjustment) {
    if (!ctx.stats) throw new Error('rome: mom2Adjustment needs second-moment statistics (ctx.stats); build them with `crossedit stats`');
    // the provider's cached Cholesky factor (shared with MEMIT), host float64
    const f = await secondMomentFactor(ctx.stats, layer);
    if (f.n !== kMean.length) throw new RangeError(`rome: the second moment of layer ${layer} is ${f.n}x${f.n}, the key has ${kMean.length} entries`);
    u = solveWithFactor(f, kMean, 1);
  }
  const n = norm2(u);
  if (!(n > 0)) throw new Error(`rome: request ${req.id}: the key at layer ${layer} is zero`);
  return { u: u.map((x) => x / n), kMean };
}
