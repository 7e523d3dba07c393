/** SERAC's trained tensors by name (classifier gate and projection, counterfactual weights), and back. */
import { weightName } from '@crossedit/core';
import { fromSafe, need, toSafe, type SafeTensor } from '@crossedit/editor-training';
import type { BagClassifier } from './classifier.js';
import type { Counterfactual } from './counterfactual.js';

/** Tensor names of {@link Counterfactual.params}: `cf.<weight>` for backbone weights, `cf.head.<w>` for the copy head's. */
export function cfParamNames(cf: Counterfactual): string[] {
  return [...cf.refs.map((r) => `cf.${weightName(r)}`), ...(cf.head ? ['wq', 'wk', 'wg', 'bg'].map((w) => `cf.head.${w}`) : [])];
}

/** Host copies of the trained tensors. */
export async function seracTensors(cls: BagClassifier, cf: Counterfactual): Promise<Record<string, SafeTensor>> {
  const out: Record<string, SafeTensor> = { 'cls.gate': await toSafe(cls.gate), 'cls.proj': await toSafe(cls.proj) };
  const ps = cf.params();
  const names = cfParamNames(cf);
  for (let i = 0; i < ps.length; i++) out[names[i]] = await toSafe(ps[i]);
  return out;
}

/** Loads {@link seracTensors}' output. */
export function loadSeracTensors(cls: BagClassifier, cf: Counterfactual, t: Record<string, SafeTensor>, where: string): void {
  const be = cls.gate.backend;
  const check = (name: string, shape: readonly number[]) => {
    const s = need(t, name, where);
    if (s.shape.join(',') !== shape.join(',')) throw new Error(`${where}: tensor '${name}' is [${s.shape}], expected [${shape}]`);
    return fromSafe(s, be);
  };
  cls.setParams([check('cls.gate', cls.gate.shape), check('cls.proj', cls.proj.shape)]);
  const cur = cf.params();
  cf.setParams(cfParamNames(cf).map((name, i) => check(name, cur[i].shape)));
}
