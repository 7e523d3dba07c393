/**
 * `@crossedit/transformer`: the decoder-only LLaMA-family network on core ops (hook points, KV cache,
 * generation, teacher-forced scoring) and checkpoint readers.
 *
 * @packageDocumentation
 */
export * from './model/index.js';
// TODO(lead): add `export * from './checkpoint/index.js';` once packages/transformer/src/checkpoint/index.ts exists.
