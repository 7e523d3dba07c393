/** Uploading one streamed weight in its load dtype. */
import { tensor, type Backend, type Tensor } from '@crossedit/core';
import type { LoadArray, LoadDType } from '@crossedit/transformer';

/**
 * A weight tensor on `backend` from streamed values: float32 values as `f32`, half-precision bits as `f16`
 * (the upload copies them, so `data` may be a view of a reusable buffer).
 */
export function uploadWeight(backend: Backend, data: LoadArray, shape: readonly number[], dtype: LoadDType): Tensor {
  return tensor(data, [...shape], { backend, dtype });
}
