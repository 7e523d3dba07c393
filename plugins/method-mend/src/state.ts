/** The editor's tensors by name, for artifacts and checkpoints, and back. */
import type { Tensor } from '@crossedit/core';
import { fromSafe, need, toSafe, type SafeTensor } from '@crossedit/editor-training';
import type { MendEditor } from './editor.js';
import { LAYER_PARAMS } from './network.js';

/** Parameter names in {@link MendEditor.params} order. */
export function paramNames(e: MendEditor): string[] {
  return [...e.nets.flatMap((n, k) => n.layers.flatMap((_, j) => LAYER_PARAMS.map((p) => `net${k}.l${j}.${p}`))), ...e.etas.map((_, i) => `eta${i}`)];
}

/** Parameters and running statistics as host copies. */
export async function editorTensors(e: MendEditor): Promise<Record<string, SafeTensor>> {
  const out: Record<string, SafeTensor> = {};
  const names = paramNames(e);
  const ps = e.params();
  for (let i = 0; i < ps.length; i++) out[names[i]] = await toSafe(ps[i]);
  e.nets.forEach((_, k) => {
    const [xs, ds] = [e.xStats[k], e.dStats[k]];
    out[`net${k}.xMean`] = { dtype: 'F64', shape: [xs.n], data: Float64Array.from(xs.mean) };
    out[`net${k}.xM2`] = { dtype: 'F64', shape: [xs.n], data: Float64Array.from(xs.m2) };
    out[`net${k}.dMean`] = { dtype: 'F64', shape: [ds.n], data: Float64Array.from(ds.mean) };
    out[`net${k}.dM2`] = { dtype: 'F64', shape: [ds.n], data: Float64Array.from(ds.m2) };
    out[`net${k}.count`] = { dtype: 'F64', shape: [2], data: Float64Array.from([xs.count, ds.count]) };
  });
  return out;
}

/** Loads {@link editorTensors}' output into an editor of the same architecture. */
export function loadEditorTensors(e: MendEditor, ts: Record<string, SafeTensor>, where: string): void {
  const names = paramNames(e);
  const cur = e.params();
  const next: Tensor[] = names.map((n, i) => {
    const s = need(ts, n, where);
    if (s.shape.join(',') !== cur[i].shape.join(',')) throw new Error(`${where}: tensor '${n}' is [${s.shape}], the architecture needs [${cur[i].shape}]`);
    return fromSafe(s, e.backend);
  });
  e.setParams(next);
  e.nets.forEach((_, k) => {
    const [xs, ds] = [e.xStats[k], e.dStats[k]];
    xs.mean.set(need(ts, `net${k}.xMean`, where).data);
    xs.m2.set(need(ts, `net${k}.xM2`, where).data);
    ds.mean.set(need(ts, `net${k}.dMean`, where).data);
    ds.m2.set(need(ts, `net${k}.dM2`, where).data);
    const c = need(ts, `net${k}.count`, where).data;
    xs.count = c[0];
    ds.count = c[1];
  });
}

/** Host copies of a list of tensors under `prefix.i`. */
export async function listTensors(prefix: string, ts: readonly Tensor[]): Promise<Record<string, SafeTensor>> {
  const out: Record<string, SafeTensor> = {};
  for (let i = 0; i < ts.length; i++) out[`${prefix}.${i}`] = await toSafe(ts[i]);
  return out;
}

/** Tensors `prefix.0 … prefix.(n-1)` from host copies. */
export function readList(ts: Record<string, SafeTensor>, prefix: string, n: number, e: MendEditor, where: string): Tensor[] {
  return Array.from({ length: n }, (_, i) => fromSafe(need(ts, `${prefix}.${i}`, where), e.backend));
}

/** A scalar as a one-element host tensor. */
export function scalarSafe(v: number): SafeTensor {
  return { dtype: 'F64', shape: [1], data: Float64Array.from([v]) };
}

