/**
 * `@crossedit/transformer`: the decoder-only LLaMA-family network on core ops (hook points, KV cache,
 * generation, teacher-forced scoring) and checkpoint readers.
 *
 * @packageDocumentation
 */
export * from './model/index.js';
export * from './checkpoint/index.js';
export * from './encoder/index.js';
