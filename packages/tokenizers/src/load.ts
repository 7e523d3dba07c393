/** Loading a tokenizer from a file or a model folder. */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import type { PaddingSide, SpecialIds } from '@crossedit/core';
import { FormatError } from '@crossedit/core';
import type { BaseTokenizer } from './base-tokenizer.js';
import { modelProtoToTokenizerJson } from './hf/convert.js';
import { HfTokenizer } from './hf/hf-tokenizer.js';
import { sidecarSpecialTokens } from './hf/special-ids.js';
import { readModelProto } from './sentencepiece/model-file.js';
import { SentencePieceTokenizer } from './sentencepiece/sentencepiece-tokenizer.js';

/** Options of {@link loadTokenizer}. */
export interface LoadTokenizerOptions {
  /**
   * For a `tokenizer.model`: `'sentencepiece'` (default) runs the exact TypeScript SentencePiece
   * implementation; `'hf'` converts it ({@link modelProtoToTokenizerJson}) and runs HF `tokenizers`.
   */
  engine?: 'sentencepiece' | 'hf';
  /** Default padding side (default `'left'`). */
  paddingSide?: PaddingSide;
  /** Special ids overriding what the files say. */
  special?: Partial<SpecialIds>;
}

/**
 * Loads a tokenizer, dispatching on the file: a SentencePiece `*.model`, or an HF `*.json`. A folder is
 * searched for `tokenizer.model` first (the reference tokenizer of the LLaMA family), then `tokenizer.json`.
 * Special tokens named by `special_tokens_map.json` / `tokenizer_config.json` beside the file override the
 * model's own ids, as in transformers (Chinese-LLaMA-2's map names `<pad>`, id 32000).
 *
 * @throws FormatError naming the path when it is neither, or when the file is malformed
 * @example
 * const tok = await loadTokenizer('../shared/tokenizers/chinese-llama-2-7b/tokenizer.model');
 * tok.encode('你好').ids;
 */
export async function loadTokenizer(file: string, opts?: LoadTokenizerOptions): Promise<BaseTokenizer> {
  let target = file;
  if (existsSync(file) && statSync(file).isDirectory()) {
    const found = ['tokenizer.model', 'tokenizer.json'].map((f) => path.join(file, f)).find((f) => existsSync(f));
    if (!found) throw new FormatError(file, 'folder has neither tokenizer.model nor tokenizer.json');
    target = found;
  }
  const side = { paddingSide: opts?.paddingSide };
  if (target.endsWith('.model')) {
    const proto = readModelProto(target);
    const special: Partial<SpecialIds> = {};
    const index = new Map(proto.pieces.map((p, i) => [p.piece, i]));
    for (const [k, name] of Object.entries(sidecarSpecialTokens(target)) as [keyof SpecialIds, string][]) {
      const id = index.get(name);
      if (id !== undefined) special[k] = id;
    }
    const sp = SentencePieceTokenizer.fromProto(proto, target, { ...side, special: { ...special, ...opts?.special } });
    if ((opts?.engine ?? 'sentencepiece') === 'sentencepiece') return sp;
    return HfTokenizer.fromJson(modelProtoToTokenizerJson(proto, target), target, { ...side, special: sp.special });
  }
  if (target.endsWith('.json')) {
    return HfTokenizer.fromFile(target, { ...side, special: opts?.special });
  }
  throw new FormatError(target, 'unknown tokenizer file; expected a SentencePiece *.model or an HF tokenizer *.json');
}
