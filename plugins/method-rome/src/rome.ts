/** The ROME method object: templates → u → v* → rank-one insert, per request and layer. */
import {
  add,
  applyDeltas,
  defineMethod,
  untrack,
  type EditContext,
  type EditRequest,
  type EditResult,
  type WeightDelta,
} from '@crossedit/core';
import { deltaSettings, norm2 } from '@crossedit/locate-edit';
import { computeInsert } from './insert.js';
import { computeU } from './compute-u.js';
import { computeV } from './compute-v.js';
import { romeHparamSchema, type RomeHparams } from './hparams.js';
import type { DeltaResult } from '@crossedit/locate-edit';
import { ROME_NAMED_PRESETS, romePresets } from './presets.js';
import { generateTemplates } from '@crossedit/locate-edit';

/** Everything one rank-one edit computed (for tests and reports). */
export interface RomeStep {
  request: string;
  layer: number;
  u: Float64Array;
  kMean: Float64Array;
  v: DeltaResult & { targetIds: number[] };
  kStar: Float64Array;
  wkStar: Float64Array;
  right: Float64Array;
  delta: WeightDelta;
  ms: { u: number; v: number; insert: number };
}

/** The context templates ROME uses: the bare `{}` and the generated ones. */
export async function romeTemplates(ctx: EditContext, hp: Pick<RomeHparams, 'contextTemplateLengths' | 'templateTopK'>): Promise<string[]> {
  return ['{}', ...(await generateTemplates(ctx, { lengths: hp.contextTemplateLengths, topK: hp.templateTopK }))];
}

/**
 * Computes one rank-one update of `mlp.down` at `layer` for `req` on the model as it is now (nothing
 * is applied).
 */
export async function romeStep(ctx: EditContext, req: EditRequest, layer: number, templates: readonly string[], hp: RomeHparams): Promise<RomeStep> {
  const t0 = performance.now();
  const { u, kMean } = await computeU(ctx, req, layer, templates, { mom2Adjustment: hp.mom2Adjustment, factToken: hp.factToken });
  const t1 = performance.now();
  const v = await computeV(ctx, req, layer, templates, { ...deltaSettings(hp), paperEraTargets: hp.paperEraTargets, klPrompt: hp.klPrompt, factToken: hp.factToken });
  const t2 = performance.now();
  const ins = await computeInsert(ctx, req, layer, u, v.target, hp.factToken);
  const t3 = performance.now();
  return {
    request: req.id,
    layer,
    u,
    kMean,
    v,
    kStar: ins.kStar,
    wkStar: ins.wkStar,
    right: ins.right,
    delta: { ref: { kind: 'mlp.down', layer }, delta: untrack(ins.delta) },
    ms: { u: t1 - t0, v: t2 - t1, insert: t3 - t2 },
  };
}

/** Options of {@link romeApply} beyond the method contract. */
export interface RomeApplyOptions {
  /** Called with each step's intermediates. */
  onStep?: (step: RomeStep) => void;
}

/**
 * Applies ROME for each request (in order, each on top of the previous) and each layer. The deltas
 * are applied to the model as they are computed; `restore()` undoes all of them and releases the
 * delta tensors.
 */
export async function romeApply(ctx: EditContext, requests: readonly EditRequest[], hp: RomeHparams, opts: RomeApplyOptions = {}): Promise<EditResult> {
  const nl = ctx.model.config.numLayers;
  for (const l of hp.layers) if (l >= nl) throw new RangeError(`rome: hyperparameter 'layers' has ${l}, but the model has ${nl} layers (0..${nl - 1})`);
  const tStart = performance.now();
  const templates = await romeTemplates(ctx, hp);
  const templatesMs = performance.now() - tStart;
  const restores: (() => Promise<void>)[] = [];
  const deltas: WeightDelta[] = [];
  const ms = { u: 0, v: 0, insert: 0 };
  let steps = 0;
  let last: RomeStep | null = null;
  let normSum = 0;
  const restoreAll = async () => {
    for (let i = restores.length - 1; i >= 0; i--) await restores[i]();
    restores.length = 0;
    for (const d of deltas) d.delta.dispose();
  };
  try {
    for (const req of requests) {
      for (const layer of [...hp.layers].sort((a, b) => a - b)) {
        const step = await romeStep(ctx, req, layer, templates, hp);
        deltas.push(step.delta);
        restores.push(applyDeltas(ctx.model, [step.delta], (a, b) => untrack(add(a, b))));
        ms.u += step.ms.u;
        ms.v += step.ms.v;
        ms.insert += step.ms.insert;
        steps += step.v.steps;
        normSum += norm2(step.right) * norm2(step.u);
        last = step;
        opts.onStep?.(step);
      }
    }
  } catch (e) {
    await restoreAll();
    throw e;
  }
  const diagnostics: Record<string, number | string> = {
    templates: templates.length,
    templatesMs,
    uMs: ms.u,
    vMs: ms.v,
    insertMs: ms.insert,
    totalMs: performance.now() - tStart,
    vSteps: steps,
    deltaNorm: normSum,
  };
  if (last) {
    diagnostics.vLossFirst = last.v.losses[0];
    diagnostics.vLossLast = last.v.losses[last.v.losses.length - 1];
    diagnostics.nllInitial = last.v.nllInitial;
    diagnostics.nllFinal = last.v.nllFinal;
    diagnostics.klFinal = last.v.klFinal;
    diagnostics.targetTokens = last.v.targetIds.length;
  }
  return { deltas, restore: restoreAll, diagnostics };
}

/**
 * ROME (rank-one model editing): one rank-one update of an MLP output matrix per fact, chosen so that
 * the key of the subject's last token maps to a value that makes the model produce the target.
 */
export const rome = defineMethod<RomeHparams>({
  id: 'rome',
  description: 'ROME: rank-one update of one MLP down-projection per fact (Meng et al., 2022)',
  hparams: romeHparamSchema,
  requires: (hp) => ({ gradients: true, statsLayers: hp.mom2Adjustment ? hp.layers : [] }),
  supports: { batch: false, sequential: true },
  presets: romePresets,
  namedPresets: ROME_NAMED_PRESETS,
  apply: (ctx, requests, hp) => romeApply(ctx, requests, hp),
});
