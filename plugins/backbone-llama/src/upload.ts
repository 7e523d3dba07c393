/** Uploading one streamed weight in its load dtype. */
import { ConfigurationError, tensor, type Backend, type Tensor } from '@crossedit/core';
import type { LoadArray, LoadDType } from '@crossedit/transformer';

/**
 * A weight tensor on `backend` from streamed values (the upload copies them, so `data` may be a view of a
 * reusable buffer). `f16` needs a backend that stores half-precision weights.
 *
 * @throws ConfigurationError when the backend cannot store `dtype`
 */
export function uploadWeight(backend: Backend, data: LoadArray, shape: readonly number[], dtype: LoadDType): Tensor {
  if (dtype === 'f32' && data instanceof Float32Array) return tensor(data, [...shape], { backend });
  throw new ConfigurationError(`backend '${backend.name}' cannot store ${dtype} weights; load with --dtype f32`);
}
