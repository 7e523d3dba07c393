/** Creating a LLaMA-family backbone's tokenizer from a user path, the model directory, or `../shared`. */
import { existsSync, readdirSync, statSync } from 'node:fs';
import * as nodePath from 'node:path';
import { FormatError, type BackboneSource, type PaddingSide, type Tokenizer } from '@crossedit/core';
import { loadTokenizer, sharedDir } from '@crossedit/tokenizers';
import { GgufReader } from '@crossedit/transformer';
import { ggufTokenizer } from './gguf-tokenizer.js';

/** Options of {@link createFamilyTokenizer}. */
export interface FamilyTokenizerOptions {
  /** The backbone's id, for messages. */
  id: string;
  /** Folder under `<shared>/tokenizers/` holding the published `tokenizer.model` (e.g. `'baichuan-7b'`). */
  shared?: string;
  /** Added to the error when no tokenizer is found (e.g. where to get one). */
  hint?: string;
  /** Default padding side (default `'left'`). */
  paddingSide?: PaddingSide;
}

/** The tokenizer embedded in a GGUF file. */
async function fromGguf(file: string, paddingSide?: PaddingSide): Promise<Tokenizer> {
  const r = await GgufReader.open(file);
  try {
    return ggufTokenizer(r.metadata, file, { paddingSide });
  } finally {
    await r.close();
  }
}

/** The tokenizer file (or GGUF) a model directory or file provides, if any. */
function inModel(modelDir: string): string | null {
  if (!existsSync(modelDir)) return null;
  if (!statSync(modelDir).isDirectory()) return modelDir.endsWith('.gguf') ? modelDir : null;
  for (const f of ['tokenizer.model', 'tokenizer.json']) if (existsSync(nodePath.join(modelDir, f))) return nodePath.join(modelDir, f);
  const ggufs = readdirSync(modelDir).filter((n) => n.endsWith('.gguf'));
  return ggufs.length === 1 ? nodePath.join(modelDir, ggufs[0]) : null;
}

/** `<shared>/tokenizers/<name>/tokenizer.model`, where `<shared>` is `$CROSSEDIT_SHARED` or the repo's `../shared`. */
export function sharedTokenizerPath(name: string): string {
  return nodePath.join(sharedDir(), 'tokenizers', name, 'tokenizer.model');
}

/**
 * A backbone's tokenizer, from the first of: `src.tokenizerPath` (a `tokenizer.model`, `tokenizer.json`, a
 * folder with one, or a `.gguf` with an embedded tokenizer); the model directory's `tokenizer.model` /
 * `tokenizer.json` / single `.gguf` (or `src.modelDir` itself when it is a `.gguf`); the published tokenizer in
 * `../shared/tokenizers/<shared>/`. SentencePiece models run through the exact TypeScript implementation.
 *
 * @throws FormatError naming what was searched when none is found
 * @example
 * ```ts
 * const tok = await createFamilyTokenizer({}, { id: 'baichuan', shared: 'baichuan-7b' });
 * ```
 */
export async function createFamilyTokenizer(src: BackboneSource, opts: FamilyTokenizerOptions): Promise<Tokenizer> {
  const side = opts.paddingSide;
  const load = (file: string) => (file.endsWith('.gguf') ? fromGguf(file, side) : loadTokenizer(file, { paddingSide: side }));
  if (src.tokenizerPath) return load(src.tokenizerPath);
  const own = src.modelDir ? inModel(src.modelDir) : null;
  if (own) return load(own);
  const searched: string[] = [];
  if (src.modelDir) searched.push(`${src.modelDir} (tokenizer.model, tokenizer.json, *.gguf)`);
  if (opts.shared) {
    const file = sharedTokenizerPath(opts.shared);
    if (existsSync(file)) return load(file);
    searched.push(file);
  }
  throw new FormatError(
    src.modelDir ?? src.tokenizerPath ?? '(no tokenizer path)',
    `no tokenizer for backbone '${opts.id}': searched ${searched.length ? searched.join('; ') : 'nothing (no model directory given)'}; ` +
      `pass a tokenizer path (BackboneSource.tokenizerPath, CLI --tokenizer)${opts.hint ? `. ${opts.hint}` : ''}`,
  );
}
