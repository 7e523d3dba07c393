/** `openCheckpoint`: picks the reader for a file or an HF-style model directory. */
import { promises as fsp } from 'node:fs';
import * as nodePath from 'node:path';
import { FormatError } from '@crossedit/core';
import { GgufReader } from './gguf.js';
import { PyTorchReader } from './pytorch.js';
import { SafetensorsReader } from './safetensors.js';
import { ShardedReader } from './sharded.js';
import type { CheckpointReader } from './types.js';

/** The weight files looked for in a model directory, in order of preference. */
export const CHECKPOINT_DIR_FILES: readonly string[] = [
  'model.safetensors.index.json',
  'model.safetensors',
  'pytorch_model.bin.index.json',
  'pytorch_model.bin',
];

/**
 * Opens one checkpoint file, choosing the reader by its first bytes (`GGUF`, a ZIP signature for
 * `torch.save` archives, otherwise safetensors); a `.json` path is a shard index.
 */
export async function openCheckpointFile(path: string): Promise<CheckpointReader> {
  if (path.endsWith('.json')) return ShardedReader.open(path, openCheckpointFile);
  let head: Buffer;
  try {
    const fh = await fsp.open(path, 'r');
    try {
      head = Buffer.alloc(4);
      await fh.read(head, 0, 4, 0);
    } finally {
      await fh.close();
    }
  } catch (e) {
    throw new FormatError(path, `cannot open checkpoint file (${(e as Error).message})`);
  }
  if (head.toString('latin1') === 'GGUF') return GgufReader.open(path);
  if (head[0] === 0x50 && head[1] === 0x4b) return PyTorchReader.open(path);
  if (head[0] === 0x80 && /\.(bin|pt|pth)$/.test(path)) return PyTorchReader.open(path);
  return SafetensorsReader.open(path);
}

/**
 * Opens a checkpoint for streaming reads: a directory holding `model.safetensors(.index.json)` or
 * `pytorch_model.bin(.index.json)` (safetensors preferred), or a single directory `*.gguf`; or a file
 * (`.safetensors`, `.bin`, `.gguf`, or a shard `*.index.json`).
 *
 * @example
 * ```ts
 * const ckpt = await openCheckpoint('../shared/models/stories260k/stories260K.gguf');
 * const emb = await ckpt.read('token_embd.weight'); // [512, 64] in PyTorch order
 * ```
 */
export async function openCheckpoint(pathOrDir: string): Promise<CheckpointReader> {
  let st;
  try {
    st = await fsp.stat(pathOrDir);
  } catch {
    throw new FormatError(pathOrDir, 'checkpoint path does not exist');
  }
  if (!st.isDirectory()) return openCheckpointFile(pathOrDir);
  const names = await fsp.readdir(pathOrDir);
  for (const f of CHECKPOINT_DIR_FILES) if (names.includes(f)) return openCheckpointFile(nodePath.join(pathOrDir, f));
  const ggufs = names.filter((n) => n.endsWith('.gguf'));
  if (ggufs.length === 1) return openCheckpointFile(nodePath.join(pathOrDir, ggufs[0]));
  throw new FormatError(
    pathOrDir,
    `no checkpoint in this directory: expected one of ${CHECKPOINT_DIR_FILES.join(', ')} or a single *.gguf${ggufs.length ? ` (found ${ggufs.length} .gguf files)` : ''}`,
  );
}
