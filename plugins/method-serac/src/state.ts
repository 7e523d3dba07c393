/** SERAC's trained tensors by name (classifier gate, projection and scale, counterfactual weights), and back. */
import { weightName } from '@crossedit/core';
import { fromSafe, need, toSafe, type SafeTensor } from '@crossedit/editor-training';
import type { ScopeClassifier } from './classifier.js';
import type { Counterfactual } from './counterfactual.js';

/** Tensor names of {@link Counterfactual.params}: `cf.<weight>` for backbone weights, `cf.head.<w>` for the copy head's. */
export function cfParamNames(cf: Counterfactual): string[] {
  return [...cf.refs.map((r) => `cf.${weightName(r)}`), ...(cf.head ? ['wq', 'wk', 'wg', 'bg'].map((w) => `cf.head.${w}`) : [])];
}

/** Host copies of the trained tensors. */
export async function seracTensors(cls: ScopeClassifier, cf: Counterfactual): Promise<Record<string, SafeTensor>> {
  const out: Record<string, SafeTensor> = {};
  const cp = cls.params();
  const cn = cls.paramNames();
  for (let i = 0; i < cp.length; i++) out[cn[i]] = await toSafe(cp[i]);
  const ps = cf.params();
  const names = cfParamNames(cf);
  for (let i = 0; i < ps.length; i++) out[names[i]] = await toSafe(ps[i]);
  return out;
}

/** Loads {@link seracTensors}' output. */
export function loadSeracTensors(cls: ScopeClassifier, cf: Counterfactual, t: Record<string, SafeTensor>, where: string): void {
  const be = cls.backend;
  const check = (name: string, shape: readonly number[]) => {
    const s = need(t, name, where);
    if (s.shape.join(',') !== shape.join(',')) throw new Error(`${where}: tensor '${name}' is [${s.shape}], expected [${shape}]`);
    return fromSafe(s, be);
  };
  const cp = cls.params();
  cls.setParams(cls.paramNames().map((name, i) => check(name, cp[i].shape)));
  const cur = cf.params();
  cf.setParams(cfParamNames(cf).map((name, i) => check(name, cur[i].shape)));
}
