/** Finding and opening the checkpoint a `BackboneSource` points at. */
import { existsSync, readdirSync, statSync } from 'node:fs';
import * as nodePath from 'node:path';
import { FormatError, type BackboneSource } from '@crossedit/core';
import { CHECKPOINT_DIR_FILES, GgufLlamaReader, openCheckpoint, type CheckpointReader } from '@crossedit/transformer';

/** Where a model's files are: an HF-style directory, or a single GGUF file. */
export interface ModelLocation {
  /** `'hf'`: a directory with `config.json` and safetensors/`.bin` weights; `'gguf'`: a llama.cpp file. */
  readonly kind: 'hf' | 'gguf';
  /** The directory (the GGUF file's directory for `'gguf'`). */
  readonly dir: string;
  /** The GGUF file (for `'gguf'`). */
  readonly gguf?: string;
}

function isGgufFile(path: string): boolean {
  return path.endsWith('.gguf');
}

/**
 * Resolves `src.modelDir`: a `.gguf` file; a directory with HF weight files (`model.safetensors[.index.json]`,
 * `pytorch_model.bin[.index.json]`); or a directory holding a single `.gguf`.
 *
 * @throws FormatError naming the path when it does not exist or holds no checkpoint
 */
export function locateModel(src: BackboneSource): ModelLocation {
  const p = src.modelDir;
  if (!p) throw new FormatError('(no model directory)', 'BackboneSource.modelDir is required: a local HF model directory or a .gguf file (nothing is downloaded)');
  if (!existsSync(p)) throw new FormatError(p, 'model directory does not exist');
  if (!statSync(p).isDirectory()) {
    if (isGgufFile(p)) return { kind: 'gguf', dir: nodePath.dirname(p), gguf: p };
    throw new FormatError(p, 'expected a model directory or a .gguf file');
  }
  const names = readdirSync(p);
  if (CHECKPOINT_DIR_FILES.some((f) => names.includes(f))) return { kind: 'hf', dir: p };
  const ggufs = names.filter(isGgufFile);
  if (ggufs.length === 1) return { kind: 'gguf', dir: p, gguf: nodePath.join(p, ggufs[0]) };
  throw new FormatError(
    p,
    `no checkpoint in this directory: expected one of ${CHECKPOINT_DIR_FILES.join(', ')} or a single *.gguf${ggufs.length ? ` (found ${ggufs.length} .gguf files)` : ''}`,
  );
}

/** Opens the checkpoint of a location: the streaming HF reader, or a GGUF seen with HF names and q/k order. */
export async function openLocation(loc: ModelLocation): Promise<CheckpointReader | GgufLlamaReader> {
  return loc.kind === 'gguf' ? GgufLlamaReader.open(loc.gguf!) : openCheckpoint(loc.dir);
}
