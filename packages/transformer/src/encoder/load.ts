/** Loading a BERT encoder and its tokenizer from a local sentence-transformers / HF directory. */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { FormatError, getBackend, tensor, type Backend, type Tensor } from '@crossedit/core';
import { checkFinite } from '../checkpoint/finite.js';
import { openCheckpoint } from '../checkpoint/open.js';
import { BertModel } from './bert.js';
import { bertWeightShapes, parseBertConfig, type BertConfig } from './config.js';
import type { PoolingMode } from './pooling.js';
import { WordPieceTokenizer } from './wordpiece.js';

/** Options of {@link loadBertDirectory}. */
export interface LoadBertOptions {
  /** Where the weights go (default: the current backend). */
  backend?: Backend;
  /** Truncation length in tokens (default: `sentence_bert_config.json`'s `max_seq_length`, else `max_position_embeddings`). */
  maxLength?: number;
}

/** A loaded directory. */
export interface LoadedBert {
  /** The directory holding `config.json` (the given one, or its `0_Transformer/`). */
  dir: string;
  config: BertConfig;
  model: BertModel;
  tokenizer: WordPieceTokenizer;
  pooling: PoolingMode;
  /** sha256 over the config, tokenizer and weight files, the pooling mode and the truncation length. */
  sha256: string;
}

function readJson(file: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new FormatError(file, `cannot read JSON (${(e as Error).message})`);
  }
}

/**
 * Compares `num_hidden_layers` with the `encoder.layer.<i>.` indices the checkpoint holds, before a weight plan
 * of that many layers is built (a forged `num_hidden_layers: 1000000000` would otherwise exhaust memory first).
 */
function checkLayerCount(names: readonly string[], numLayers: number, cfgFile: string, ckpt: string): void {
  let n = 0;
  for (const name of names) {
    const m = /(?:^|\.)encoder\.layer\.(\d+)\./.exec(name);
    if (m) n = Math.max(n, Number(m[1]) + 1);
  }
  if (numLayers !== n) {
    const held = n ? `encoder.layer.0 … encoder.layer.${n - 1} (${n})` : 'no encoder.layer.* tensors';
    throw new FormatError(cfgFile, `'num_hidden_layers' is ${numLayers}, but the checkpoint ${ckpt} holds ${held}${numLayers > n ? `; no encoder.layer.${n}.*` : ''}`);
  }
}

/** The pooling mode of `1_Pooling/config.json` (mean when absent). */
function poolingOf(root: string): PoolingMode {
  const file = path.join(root, '1_Pooling', 'config.json');
  if (!existsSync(file)) return 'mean';
  const o = readJson(file);
  const on = Object.entries(o).filter(([k, v]) => k.startsWith('pooling_mode_') && v === true).map(([k]) => k);
  if (on.length === 1 && on[0] === 'pooling_mode_mean_tokens') return 'mean';
  if (on.length === 1 && on[0] === 'pooling_mode_cls_token') return 'cls';
  throw new FormatError(file, `unsupported pooling ${JSON.stringify(on)}: expected exactly one of pooling_mode_mean_tokens, pooling_mode_cls_token`);
}

/**
 * Loads a BERT encoder from a sentence-transformers directory (such as all-MiniLM-L6-v2) or a plain HF
 * BERT directory: `config.json`, `tokenizer.json` or `vocab.txt`, and `model.safetensors` or
 * `pytorch_model.bin`. Weight names may carry a `bert.` prefix.
 * @throws FormatError naming the file and what was expected.
 * @example
 * ```ts
 * const { model, tokenizer } = await loadBertDirectory('/models/all-MiniLM-L6-v2');
 * ```
 */
export async function loadBertDirectory(dir: string, opts: LoadBertOptions = {}): Promise<LoadedBert> {
  if (!existsSync(dir)) throw new FormatError(dir, 'sentence encoder directory not found');
  const tdir = existsSync(path.join(dir, 'config.json')) ? dir : path.join(dir, '0_Transformer');
  const cfgFile = path.join(tdir, 'config.json');
  if (!existsSync(cfgFile)) throw new FormatError(dir, 'no config.json (nor 0_Transformer/config.json): not a BERT / sentence-transformers directory');
  const config = parseBertConfig(readJson(cfgFile), cfgFile);
  const stFile = path.join(dir, 'sentence_bert_config.json');
  const stMax = existsSync(stFile) ? readJson(stFile).max_seq_length : undefined;
  const maxLength = Math.min(opts.maxLength ?? (typeof stMax === 'number' ? stMax : config.maxPositions), config.maxPositions);
  const tokenizer = WordPieceTokenizer.load(existsSync(path.join(tdir, 'tokenizer.json')) || existsSync(path.join(tdir, 'vocab.txt')) ? tdir : dir, {
    maxLength,
    padId: config.padId,
  });
  if (tokenizer.vocabSize > config.vocabSize) {
    throw new FormatError(tokenizer.source, `the tokenizer has ${tokenizer.vocabSize} ids but config.json's vocab_size is ${config.vocabSize}`);
  }
  const pooling = poolingOf(dir);
  const backend = opts.backend ?? getBackend();
  const reader = await openCheckpoint(tdir);
  const weights = new Map<string, Tensor>();
  const files = new Set<string>();
  try {
    checkLayerCount(reader.list().map((e) => e.name), config.numLayers, cfgFile, reader.path);
    for (const [name, shape] of bertWeightShapes(config)) {
      const stored = reader.has(name) ? name : reader.has(`bert.${name}`) ? `bert.${name}` : null;
      if (!stored) throw new FormatError(reader.path, `missing tensor '${name}' (or 'bert.${name}'), expected shape [${shape.join(', ')}]`);
      files.add(reader.entry(stored).file);
      const data = await reader.read(stored, { shape });
      checkFinite(data, reader.entry(stored).file, stored, shape);
      weights.set(name, tensor(data, shape, { backend }));
    }
  } catch (e) {
    for (const t of weights.values()) t.dispose();
    throw e;
  } finally {
    await reader.close();
  }
  const h = createHash('sha256');
  h.update(readFileSync(cfgFile));
  h.update(readFileSync(tokenizer.source));
  for (const f of [...files].sort()) h.update(readFileSync(f));
  h.update(`|${pooling}|${maxLength}`);
  return { dir: tdir, config, model: new BertModel(config, weights, reader.path), tokenizer, pooling, sha256: h.digest('hex') };
}
