/**
 * A backbone built in code: a random LLaMA (`@crossedit/transformer`'s `randomWeights` + `LlamaModel`)
 * with `@crossedit/testing`'s `WordTokenizer` (split `'scripts'`) whose vocabulary comes from given texts (e.g. every string of a Bi-ZsRE
 * file). The stand-in for the embedded tiny backbone in tests and smoke grids: the numbers it gives
 * mean nothing, but every method, scorer and results path runs end to end.
 */
import { readFileSync } from 'node:fs';
import { defineBackbone, resolveWeightDType, type Backbone, type ModelConfig } from '@crossedit/core';
import { LlamaModel, randomWeights } from '@crossedit/transformer';
import { WordTokenizer, vocabOf } from '@crossedit/testing/fixtures';

/** Options of {@link randomLlamaBackbone}. */
export interface RandomBackboneOptions {
  /** Backbone id (default `random-llama`); also the grid's results folder name. */
  id?: string;
  /** Texts whose pieces make the vocabulary. */
  texts: Iterable<string>;
  /** Architecture overrides (default: 4 layers, hidden 32, MLP 64, 4 heads, 2 kv heads, 2048 positions). */
  arch?: Partial<Omit<ModelConfig, 'vocabSize'>>;
  /** Seed of the weights (default 1). */
  seed?: number;
  /** Scale of the linear layers relative to 1/sqrt(fan_in) (default 1). */
  scale?: number;
}

/** Every string in a JSON value (recursively), in document order. */
export function stringsOf(value: unknown): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'string') out.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(value);
  return out;
}

/**
 * Every string in a JSON file, in document order (of its first `records` elements when it is an array):
 * a vocabulary source for {@link randomLlamaBackbone}.
 * @example randomLlamaBackbone({ texts: jsonStrings('../shared/data/bizsre/mzsre_test_duplicate_enzh.json', 50) })
 */
export function jsonStrings(file: string, records?: number): string[] {
  const v = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  return stringsOf(Array.isArray(v) && records !== undefined ? v.slice(0, records) : v);
}

/**
 * A random-weights LLaMA backbone; `loadModel` ignores the source (there are no files) and builds the
 * same weights for the same seed on any backend.
 * @example
 * const bb = randomLlamaBackbone({ texts: ['Who wrote Hamlet? Goethe'], arch: { numLayers: 2 } });
 * const model = await bb.loadModel({}, { backend });
 */
export function randomLlamaBackbone(opts: RandomBackboneOptions): Backbone {
  const vocab = vocabOf(opts.texts, 'scripts');
  const config: ModelConfig = {
    hiddenSize: 32,
    intermediateSize: 64,
    numLayers: 4,
    numHeads: 4,
    numKvHeads: 2,
    rmsNormEps: 1e-5,
    ropeBase: 10000,
    maxPositions: 2048,
    ...opts.arch,
    vocabSize: vocab.length + 3,
  };
  const seed = opts.seed ?? 1;
  return defineBackbone({
    id: opts.id ?? 'random-llama',
    description: `random LLaMA (d${config.hiddenSize}/m${config.intermediateSize}/L${config.numLayers}, vocab ${config.vocabSize}, seed ${seed})`,
    config,
    async loadModel(_src, { backend, onProgress, dtype, onDType }) {
      // random weights have no stored dtype: auto is f32, an explicit f16 stores the matrices in f16
      const choice = resolveWeightDType(dtype, [], backend);
      onDType?.(choice);
      const model = new LlamaModel(config, randomWeights(config, { seed, backend, scale: opts.scale ?? 1, dtype: choice.dtype }));
      onProgress?.(1, 1);
      return model;
    },
    async createTokenizer() {
      return new WordTokenizer(vocab, 'left', 'scripts');
    },
  });
}
