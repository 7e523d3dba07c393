/** ROME step 3: the rank-one update ΔW = v_r uᵀ with v_r = (v* − W k*) / (k* · u). */
import { outer, tensor, tidy, type EditContext, type EditRequest, type Tensor } from '@crossedit/core';
import { captureAtLookup, dot } from '@crossedit/locate-edit';
import { contextRow, promptTemplate, type FactToken } from '@crossedit/locate-edit';

/** The result of {@link computeInsert}. */
export interface InsertResult {
  /** ΔW, `[D, M]` (the `mlp.down` weight's layout). */
  delta: Tensor;
  /** The key at the bare prompt's subject token. */
  kStar: Float64Array;
  /** W k* (the unedited MLP output there). */
  wkStar: Float64Array;
  /** v_r. */
  right: Float64Array;
}

/**
 * Reads k* and W k* on the bare prompt and returns ΔW = v_r uᵀ, which makes (W + ΔW) k* = v* exactly
 * (up to rounding).
 */
export async function computeInsert(ctx: EditContext, req: EditRequest, layer: number, u: Float64Array, vStar: Float64Array, factToken?: FactToken): Promise<InsertResult> {
  const row = contextRow(ctx.tokenizer, '{}', promptTemplate(req), req.subject, factToken);
  const [kStar, wkStar] = await captureAtLookup(ctx.model, ctx.tokenizer, [row], [
    { ref: { kind: 'mlp.down', layer }, io: 'input' },
    { ref: { kind: 'mlp.down', layer }, io: 'output' },
  ]);
  const denom = dot(kStar, u);
  if (!(Math.abs(denom) > 0)) throw new Error(`rome: request ${req.id}: k*·u is ${denom}; the key is orthogonal to u`);
  const right = vStar.map((v, i) => (v - wkStar[i]) / denom);
  const backend = ctx.model.backend;
  const delta = tidy(() => outer(tensor(right, [right.length], { backend }), tensor(u, [u.length], { backend })));
  return { delta, kStar, wkStar, right };
}
