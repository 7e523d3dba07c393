/**
 * Checking the numbers of a model config against the checkpoint's tensor index before anything is planned or
 * allocated: a forged `num_hidden_layers: 1000000000` (or GGUF `llama.block_count`) must fail at once, naming
 * the file and key, not after building a billion-layer weight plan.
 */
import { FormatError, type ModelConfig } from '@crossedit/core';
import type { CheckpointReader } from '@crossedit/transformer';

/** Where a config field came from, for error messages: the file that said it and the key there. */
export interface ConfigOrigin {
  /** The file (config.json, the .gguf) or the caller ("the config override"). */
  file: string;
  /** The key in that file (`num_hidden_layers`, `llama.block_count`) or the field name. */
  key: string;
}

const LAYER = /^model\.layers\.(\d+)\./;

function fail(origin: ConfigOrigin, value: number, detail: string): never {
  throw new FormatError(origin.file, `'${origin.key}' is ${value}, but ${detail}`);
}

/**
 * Compares the config with what the checkpoint's index holds, using names and shapes only (nothing is read):
 * the layer count with the `model.layers.<i>.` indices present (and, whatever the layout, with the number of
 * tensors), the vocabulary and hidden sizes with `model.embed_tokens.weight`, the FFN size with layer 0's
 * `mlp.down_proj.weight`. Throws a `FormatError` naming the config file and key.
 */
export function checkConfigAgainstIndex(reader: CheckpointReader, config: ModelConfig, originOf: (field: keyof ModelConfig) => ConfigOrigin): void {
  const list = reader.list();
  const layers = new Set<number>();
  for (const e of list) {
    const m = LAYER.exec(e.name);
    if (m) layers.add(Number(m[1]));
  }
  const where = `the checkpoint ${reader.path}`;
  if (config.numLayers > list.length) {
    fail(originOf('numLayers'), config.numLayers, `${where} holds only ${list.length} tensors (each layer needs several)`);
  }
  if (layers.size) {
    const n = Math.max(...layers) + 1;
    if (config.numLayers !== n) fail(originOf('numLayers'), config.numLayers, `${where} holds layers model.layers.0 … model.layers.${n - 1} (${n})`);
    for (let i = 0; i < n; i++) if (!layers.has(i)) throw new FormatError(reader.path, `no tensors of layer ${i} (model.layers.${i}.*), though layers up to ${n - 1} are present`);
  }
  const embed = reader.has('model.embed_tokens.weight') ? reader.entry('model.embed_tokens.weight').shape : undefined;
  if (embed?.length === 2) {
    if (config.vocabSize !== embed[0]) fail(originOf('vocabSize'), config.vocabSize, `model.embed_tokens.weight in ${reader.path} is [${embed}] (${embed[0]} tokens)`);
    if (config.hiddenSize !== embed[1]) fail(originOf('hiddenSize'), config.hiddenSize, `model.embed_tokens.weight in ${reader.path} is [${embed}] (hidden size ${embed[1]})`);
  }
  const down = 'model.layers.0.mlp.down_proj.weight';
  const d = reader.has(down) ? reader.entry(down).shape : undefined;
  if (d?.length === 2 && config.intermediateSize !== d[1]) {
    fail(originOf('intermediateSize'), config.intermediateSize, `${down} in ${reader.path} is [${d}] (FFN size ${d[1]})`);
  }
}
