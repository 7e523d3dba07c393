/**
 * Weight dtypes: choosing the storage dtype of a model's weights (`--dtype`), describing what ran, and the
 * one place where an edit turns a stored weight into the f32 matrix it changes.
 *
 * Policy: only matrices (rank-2 weights: linear layers, embedding, LM head) are stored in `f16`; norm
 * vectors stay `f32` (tiny, and read by RmsNorm, which takes f32). An edited matrix is kept in f32 while
 * edited (W' = f32(W) + ΔW, ΔW computed in f32); `restore()` puts the original tensor back, so the
 * loaded f16 bits return untouched.
 */
import type { Backend } from './backend.js';
import type { StorageDType, WeightDType } from './dtype.js';
import type { LanguageModel } from './model.js';
import { cast } from './ops/layout.js';
import type { Tensor } from './tensor.js';

/** What `--dtype` may ask for: a weight dtype, or `auto` (see {@link resolveWeightDType}). */
export type WeightDTypeRequest = WeightDType | 'auto';

/** The dtypes `--dtype` accepts. */
export const WEIGHT_DTYPE_REQUESTS: readonly WeightDTypeRequest[] = ['auto', 'f32', 'f16'];

/** A resolved weight dtype and why it was chosen (for progress lines and results headers). */
export interface WeightDTypeChoice {
  dtype: WeightDType;
  /** One line, e.g. `f16 (checkpoint stored in f16, webgpu has shader-f16)`. */
  reason: string;
}

/** Whether a checkpoint storage dtype is a half-precision format. */
export function isHalfStorage(d: string): boolean {
  return d === 'f16' || d === 'bf16';
}

/**
 * Resolves `--dtype`: `auto` gives `f16` when the checkpoint's matrices are stored in half precision (f16
 * or bf16) and the backend stores f16 natively (WebGPU with `shader-f16`), `f32` otherwise. An explicit
 * `f16` on a backend that cannot hold f16 tensors is an error; on a CPU backend it is honoured (weights
 * rounded to half precision, computed widened).
 *
 * @param stored the storage dtypes of the checkpoint's matrices (empty when unknown, e.g. random weights)
 * @throws RangeError for an unknown request or f16 on a backend without f16 support
 */
export function resolveWeightDType(request: WeightDTypeRequest | undefined, stored: readonly (StorageDType | string)[], backend: Backend): WeightDTypeChoice {
  const req = request ?? 'auto';
  if (!WEIGHT_DTYPE_REQUESTS.includes(req)) throw new RangeError(`--dtype: expected one of ${WEIGHT_DTYPE_REQUESTS.join(', ')}, got '${String(req)}'`);
  const half = stored.length > 0 && stored.every(isHalfStorage);
  const storedText = stored.length ? `checkpoint stored in ${[...new Set(stored)].sort().join('+')}` : 'no checkpoint dtype';
  if (req === 'f16') {
    if (!backend.f16) throw new RangeError(`--dtype f16: backend '${backend.name}' cannot hold f16 tensors (a WebGPU adapter without 'shader-f16'); use --dtype f32`);
    return { dtype: 'f16', reason: backend.f16 === 'native' ? `f16 (requested; ${backend.name} stores half precision)` : `f16 (requested; ${backend.name} holds it widened)` };
  }
  if (req === 'f32') return { dtype: 'f32', reason: 'f32 (requested)' };
  if (half && backend.f16 === 'native') return { dtype: 'f16', reason: `f16 (auto: ${storedText}, ${backend.name} has shader-f16)` };
  const why = !half ? storedText : backend.f16 ? `${backend.name} has no native f16` : `${backend.name} has no shader-f16`;
  return { dtype: 'f32', reason: `f32 (auto: ${why})` };
}

/** The storage dtype a weight of `shape` gets under a model-wide weight dtype (norm vectors stay f32). */
export function weightDTypeFor(dtype: WeightDType, shape: readonly number[]): WeightDType {
  return dtype === 'f16' && shape.length === 2 ? 'f16' : 'f32';
}

/**
 * The weight dtype a model runs with: `f16` when any weight is stored in f16 (norms are f32 then), else
 * `f32`; `f16Storage` says how the backend held it (`native` half precision, or `widened` on the CPU).
 */
export function modelWeightDType(model: Pick<LanguageModel, 'weights' | 'backend'>): { dtype: WeightDType; f16Storage?: 'native' | 'widened' } {
  for (const t of model.weights().values()) {
    if (t.dtype === 'f16') return { dtype: 'f16', f16Storage: model.backend.f16 };
  }
  return { dtype: 'f32' };
}

/**
 * The f32 matrix an edit changes: `w` itself when it is f32, else a new f32 copy (the caller owns it
 * and disposes it). Every weight-update path (`applyDeltas`, FT's optimisation) goes through here.
 */
export function editableWeight(w: Tensor): Tensor {
  return w.dtype === 'f16' ? cast(w, 'f32') : w;
}

/**
 * The label results record for a model's weights (results headers, grid cells): `f32`, `f16` (half
 * precision on the device) or `f16-widened` (f16 values held in f32/f64 by a CPU backend).
 */
export function weightDTypeLabel(model: Pick<LanguageModel, 'weights' | 'backend'>): 'f32' | 'f16' | 'f16-widened' {
  const d = modelWeightDType(model);
  if (d.dtype === 'f32') return 'f32';
  return d.f16Storage === 'native' ? 'f16' : 'f16-widened';
}
