/** Writing tiny HF-style model directories (config, safetensors or `.bin`, single or sharded) for tests. */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import { writeSafetensors } from '@crossedit/transformer';
import { writeTorchBin } from './torch-bin.js';

/** A tensor to write, by its name in the checkpoint. */
export interface CheckpointTensor {
  name: string;
  shape: readonly number[];
  data: Float32Array;
}

/** Options of {@link writeHfCheckpoint}. */
export interface WriteCheckpointOptions {
  /** `'safetensors'` (`model*.safetensors`) or `'bin'` (`pytorch_model*.bin`, `torch.save` zip). */
  format: 'safetensors' | 'bin';
  /** Number of shard files (default 1: a single file, no index). */
  shards?: number;
  /** Stored dtype (default `'f32'`). */
  dtype?: 'f32' | 'f16' | 'bf16';
  /** Written as `config.json` when given. */
  config?: Record<string, unknown>;
}

const pad = (n: number) => String(n).padStart(5, '0');

/**
 * Writes an HF model directory the way `save_pretrained` lays it out: `config.json`, and the tensors in one
 * file or in `shards` files with an `*.index.json` (`weight_map`, `metadata.total_size`).
 *
 * @returns the weight files written (index first when sharded)
 */
export async function writeHfCheckpoint(dir: string, tensors: readonly CheckpointTensor[], opts: WriteCheckpointOptions): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  if (opts.config) writeFileSync(nodePath.join(dir, 'config.json'), JSON.stringify(opts.config, null, 2));
  const dtype = opts.dtype ?? 'f32';
  const n = Math.max(1, opts.shards ?? 1);
  const ext = opts.format === 'safetensors' ? 'safetensors' : 'bin';
  const stem = opts.format === 'safetensors' ? 'model' : 'pytorch_model';
  const groups: CheckpointTensor[][] = Array.from({ length: n }, () => []);
  const per = Math.ceil(tensors.length / n);
  tensors.forEach((t, i) => groups[Math.min(n - 1, Math.floor(i / per))].push(t));
  const files: string[] = [];
  const weightMap: Record<string, string> = {};
  let total = 0;
  for (let k = 0; k < n; k++) {
    const file = n === 1 ? `${stem}.${ext}` : `${stem}-${pad(k + 1)}-of-${pad(n)}.${ext}`;
    const path = nodePath.join(dir, file);
    if (opts.format === 'safetensors') {
      await writeSafetensors(path, groups[k].map((t) => ({ name: t.name, shape: t.shape, dtype, data: t.data })), { format: 'pt' });
    } else {
      writeTorchBin(path, groups[k].map((t) => ({ name: t.name, shape: t.shape, dtype, data: t.data })));
    }
    for (const t of groups[k]) {
      weightMap[t.name] = file;
      total += t.data.length * (dtype === 'f32' ? 4 : 2);
    }
    files.push(path);
  }
  if (n > 1) {
    const index = nodePath.join(dir, `${stem}.${ext}.index.json`);
    writeFileSync(index, JSON.stringify({ metadata: { total_size: total }, weight_map: weightMap }, null, 2));
    files.unshift(index);
  }
  return files;
}
