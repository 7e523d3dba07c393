/**
 * `@crossedit/testing`: the test kit for crossedit plugins. A tiny random LLaMA on the float64 CPU
 * backend, a word-level tokenizer, an edit context around them, scores computed on the host, and
 * {@link describeMethodConformance}, the suite every method plugin runs (inside or outside this
 * repository). Import `@crossedit/testing/fixtures` outside vitest.
 *
 * @packageDocumentation
 */
export { describeMethodConformance, CONFORMANCE_REQUESTS, type ConformanceOptions } from './conformance.js';
export * from './fixtures.js';
