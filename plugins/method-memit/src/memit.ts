/** The MEMIT method object: templates → z per request → per layer keys, residual, solve, insert. */
import {
  add,
  applyDeltas,
  defineMethod,
  matmul,
  tensor,
  tidy,
  untrack,
  type EditContext,
  type EditRequest,
  type EditResult,
  type WeightDelta,
} from '@crossedit/core';
import { deltaSettings, generateTemplates, type DeltaResult } from '@crossedit/locate-edit';
import { secondMomentFactor } from '@crossedit/stats';
import { computeHidden, computeKeys } from './compute-ks.js';
import { computeZ } from './compute-z.js';
import { memitHparamSchema, type MemitHparams } from './hparams.js';
import { memitPresets } from './presets.js';
import { woodburySolve } from './solve.js';

/** What one layer's update was computed from (for tests and reports). */
export interface MemitLayerStep {
  layer: number;
  /** Keys, `n × M` row-major (one per request). */
  keys: Float64Array;
  /** The residual share this layer takes, (z − h) / (layers left), `n × D` row-major. */
  resid: Float64Array;
  /** Aᵀ with A = (λC + KKᵀ)⁻¹K, `n × M` row-major. */
  at: Float64Array;
  /** ΔW = residᵀ Aᵀ, `[D, M]`. */
  delta: WeightDelta;
  /** Ridge added to C to factor it (0 normally). */
  jitter: number;
}

/** Options of {@link memitApply} beyond the method contract. */
export interface MemitApplyOptions {
  /** Called with each layer's intermediates. */
  onLayer?: (step: MemitLayerStep) => void;
  /** Called with each request's z optimisation. */
  onZ?: (request: EditRequest, z: DeltaResult & { targetIds: number[] }) => void;
}

/** The two template groups MEMIT averages keys over: the bare `{}`, and the generated ones. */
export async function memitTemplateGroups(ctx: EditContext, hp: Pick<MemitHparams, 'contextTemplateLengths' | 'templateTopK'>): Promise<string[][]> {
  const gen = await generateTemplates(ctx, { lengths: hp.contextTemplateLengths, topK: hp.templateTopK });
  return gen.length ? [['{}'], gen] : [['{}']];
}

/**
 * Applies MEMIT to a batch of requests: one z per request at the last edited layer, then for each
 * layer in order the keys K, the residual R = (Z − H)/(layers left), A = (λC + KKᵀ)⁻¹K by Woodbury,
 * and ΔW = R Aᵀ, applied at once so later layers see it. `restore()` undoes everything and releases
 * the delta tensors.
 */
export async function memitApply(ctx: EditContext, requests: readonly EditRequest[], hp: MemitHparams, opts: MemitApplyOptions = {}): Promise<EditResult> {
  const nl = ctx.model.config.numLayers;
  for (const l of hp.layers) if (l >= nl) throw new RangeError(`memit: hyperparameter 'layers' has ${l}, but the model has ${nl} layers (0..${nl - 1})`);
  if (!ctx.stats) {
    throw new Error(
      'memit: needs second-moment statistics of the edited layers (ctx.stats), built once per model with ' +
        `\`crossedit stats --backbone ${ctx.backbone.id} --model-dir <MODEL_DIR> --layers ${hp.layers.join(',')} --corpus <CORPUS> --samples <N>\``,
    );
  }
  if (requests.length === 0) return { deltas: [], restore: async () => undefined, diagnostics: {} };
  const layers = [...hp.layers].sort((a, b) => a - b);
  const zLayer = layers[layers.length - 1];
  const n = requests.length;
  const d = ctx.model.config.hiddenSize;
  const backend = ctx.model.backend;
  const t0 = performance.now();
  const groups = await memitTemplateGroups(ctx, hp);
  const t1 = performance.now();

  // z for every request, on the unedited model
  const zs = new Float64Array(n * d);
  let zSteps = 0;
  let nllInitial = 0;
  let nllFinal = 0;
  const flat = groups.flat();
  for (let r = 0; r < n; r++) {
    const z = await computeZ(ctx, requests[r], zLayer, flat, { ...deltaSettings(hp), paperEraTargets: hp.paperEraTargets, klPrompt: hp.klPrompt });
    zs.set(z.target, r * d);
    zSteps += z.steps;
    nllInitial += z.nllInitial / n;
    nllFinal += z.nllFinal / n;
    opts.onZ?.(requests[r], z);
  }
  const t2 = performance.now();

  const restores: (() => Promise<void>)[] = [];
  const deltas: WeightDelta[] = [];
  const restoreAll = async () => {
    for (let i = restores.length - 1; i >= 0; i--) await restores[i]();
    restores.length = 0;
    for (const x of deltas) x.delta.dispose();
  };
  let keysMs = 0;
  let factorMs = 0;
  let solveMs = 0;
  let jitter = 0;
  try {
    for (let i = 0; i < layers.length; i++) {
      const layer = layers[i];
      const ta = performance.now();
      const keys = await computeKeys(ctx, requests, layer, groups);
      const h = await computeHidden(ctx, requests, zLayer);
      const tb = performance.now();
      const factor = await secondMomentFactor(ctx.stats, layer);
      if (factor.n * n !== keys.length) {
        throw new RangeError(`memit: the second moment of layer ${layer} is ${factor.n}x${factor.n}, but keys have width ${keys.length / n}`);
      }
      jitter = Math.max(jitter, factor.jitter);
      const tc = performance.now();
      const at = woodburySolve(factor, keys, n, hp.mom2UpdateWeight);
      const left = layers.length - i;
      const resid = new Float64Array(n * d);
      for (let j = 0; j < resid.length; j++) resid[j] = (zs[j] - h[j]) / left;
      const delta = untrack(tidy(() => matmul(tensor(resid, [n, d], { backend }), tensor(at, [n, factor.n], { backend }), { transA: true })));
      const wd: WeightDelta = { ref: { kind: 'mlp.down', layer }, delta };
      deltas.push(wd);
      restores.push(applyDeltas(ctx.model, [wd], (a, b) => untrack(add(a, b))));
      const td = performance.now();
      keysMs += tb - ta;
      factorMs += tc - tb;
      solveMs += td - tc;
      opts.onLayer?.({ layer, keys, resid, at, delta: wd, jitter: factor.jitter });
    }
  } catch (e) {
    await restoreAll();
    throw e;
  }
  return {
    deltas,
    restore: restoreAll,
    diagnostics: {
      requests: n,
      layers: layers.join(','),
      templates: flat.length,
      templatesMs: t1 - t0,
      zMs: t2 - t1,
      keysMs,
      factorMs,
      solveMs,
      totalMs: performance.now() - t0,
      zSteps,
      nllInitial,
      nllFinal,
      jitter,
    },
  };
}

/**
 * MEMIT (mass-editing memory in a transformer): spreads each fact's residual over several MLP
 * down-projections, protecting other keys with the layers' second moments; edits many facts at once.
 */
export const memit = defineMethod<MemitHparams>({
  id: 'memit',
  description: 'MEMIT: multi-layer least-squares updates of MLP down-projections, batched (Meng et al., 2023)',
  hparams: memitHparamSchema,
  requires: (hp) => ({ gradients: true, statsLayers: hp.layers }),
  supports: { batch: true, sequential: true },
  presets: memitPresets,
  apply: (ctx, requests, hp) => memitApply(ctx, requests, hp),
});
