/**
 * `@crossedit/core`: the contracts of crossedit (tensors, kernels, backends, tokenizers, models,
 * backbones, editing methods) and the backend-agnostic logic built on them (autograd, optimizers,
 * seeded randomness, host linear algebra).
 *
 * @packageDocumentation
 */
export * from './dtype.js';
export * from './shape.js';
export * from './errors.js';
export * from './backend.js';
export * from './kernels/index.js';
export { Tensor } from './tensor.js';
export { ShardedStorage, isShardedStorage, effectiveBindingLimit, logicalBytes, BINDING_LIMIT_ENV, type Shard } from './shard/storage.js';
export { SHARD_FORMS, type ShardForm } from './shard/run.js';
export {
  setBackend,
  getBackend,
  runKernel,
  tidy,
  tidyAsync,
  keep,
  untrack,
  dispose,
  memory,
} from './engine.js';
export * from './ops/creation.js';
export * from './ops/elementwise.js';
export * from './ops/reduce.js';
export * from './ops/layout.js';
export * from './ops/nn.js';
export { GRAD_RULES, unbroadcast, broadcastTo, type GradRule, type InputGrads } from './grad/index.js';
export { valueAndGrads, grads, type GradOptions } from './autograd.js';
export { Rng } from './random.js';
export { crc32 } from './checksum.js';
export { Adam, type AdamOptions, type AdamState } from './optim/adam.js';
export { clipGradNorm, allFinite } from './optim/clip.js';
export * from './linalg.js';
export * from './tokenizer.js';
export * from './model.js';
export * from './prefill.js';
export * from './backbone.js';
export * from './hparams.js';
export * from './method.js';
export * from './hooks.js';
export * from './text.js';
export * from './encoder.js';
export * from './depth.js';
export * from './weight-dtype.js';
