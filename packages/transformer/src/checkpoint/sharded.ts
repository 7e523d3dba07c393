/** Sharded checkpoints: an HF `*.index.json` (`weight_map`: tensor name → shard file) over per-shard readers. */
import { promises as fsp } from 'node:fs';
import * as nodePath from 'node:path';
import { FormatError } from '@crossedit/core';
import { checkShape, missingTensorError } from './base-reader.js';
import { readTensorAs } from './read-tensor.js';
import type { LoadDType, ReadAsOptions, ReadAsResult } from './read-as.js';
import type { CheckpointFormat, CheckpointReader, ReadOptions, TensorEntry } from './types.js';

/** The largest shard index read (a 70B model's index is about 100 KB). */
const MAX_INDEX_BYTES = 64 << 20;

/** Opens one shard file. */
export type ShardOpener = (path: string) => Promise<CheckpointReader>;

/** A checkpoint split over several files, addressed through its index. */
export class ShardedReader implements CheckpointReader {
  private constructor(
    readonly path: string,
    readonly format: CheckpointFormat,
    readonly metadata: Readonly<Record<string, unknown>>,
    private readonly shards: ReadonlyMap<string, CheckpointReader>,
    private readonly owner: ReadonlyMap<string, CheckpointReader>,
  ) {}

  /**
   * Parses the index, opens every shard it names (headers only) and checks that each tensor of the
   * `weight_map` is in its shard.
   */
  static async open(indexPath: string, openShard: ShardOpener): Promise<ShardedReader> {
    let index: unknown;
    try {
      const { size } = await fsp.stat(indexPath);
      if (size > MAX_INDEX_BYTES) throw new Error(`${size} bytes, more than the ${MAX_INDEX_BYTES} a shard index may have`);
      index = JSON.parse(await fsp.readFile(indexPath, 'utf8'));
    } catch (e) {
      throw new FormatError(indexPath, `cannot read the shard index as JSON (${(e as Error).message})`);
    }
    const wm = (index as { weight_map?: unknown } | null)?.weight_map;
    if (typeof wm !== 'object' || wm === null || Array.isArray(wm)) throw new FormatError(indexPath, "shard index: missing 'weight_map' object (tensor name → shard file)");
    const dir = nodePath.dirname(indexPath);
    const shards = new Map<string, CheckpointReader>();
    const owner = new Map<string, CheckpointReader>();
    try {
      for (const [name, shard] of Object.entries(wm as Record<string, unknown>)) {
        if (typeof shard !== 'string' || !shard || nodePath.isAbsolute(shard) || shard.split(/[\\/]/).includes('..')) {
          throw new FormatError(indexPath, `weight_map['${name}']: expected a shard file name inside the checkpoint directory, got ${JSON.stringify(shard)}`);
        }
        let r = shards.get(shard);
        if (!r && nodePath.resolve(dir, shard) === nodePath.resolve(indexPath)) {
          throw new FormatError(indexPath, `weight_map['${name}']: the index lists itself ('${shard}') as a shard; expected a weight file (.safetensors or .bin)`);
        }
        if (!r && shard.endsWith('.json')) {
          throw new FormatError(indexPath, `weight_map['${name}']: '${shard}' is a shard index, not a weight file; nested indexes are not supported (expected .safetensors or .bin)`);
        }
        if (!r) {
          try {
            await fsp.access(nodePath.join(dir, shard));
          } catch {
            throw new FormatError(indexPath, `weight_map['${name}']: shard file '${shard}' does not exist in ${dir}`);
          }
          r = await openShard(nodePath.join(dir, shard));
          shards.set(shard, r);
        }
        if (!r.has(name)) throw new FormatError(indexPath, `weight_map says tensor '${name}' is in '${shard}', but that shard has no such tensor`);
        owner.set(name, r);
      }
      const formats = new Set([...shards.values()].map((s) => s.format));
      if (formats.size > 1) throw new FormatError(indexPath, `shards mix formats (${[...formats].join(', ')})`);
      const meta = (index as { metadata?: unknown }).metadata;
      const metadata = typeof meta === 'object' && meta !== null ? (meta as Record<string, unknown>) : {};
      const format = [...formats][0] ?? 'safetensors';
      return new ShardedReader(indexPath, format, metadata, shards, owner);
    } catch (e) {
      await Promise.all([...shards.values()].map((s) => s.close()));
      throw e;
    }
  }

  /** The shard files, relative to the index's directory. */
  shardFiles(): string[] {
    return [...this.shards.keys()];
  }

  list(): TensorEntry[] {
    return [...this.owner.keys()].map((n) => this.entry(n));
  }

  has(name: string): boolean {
    return this.owner.has(name);
  }

  entry(name: string): TensorEntry {
    return this.shard(name).entry(name);
  }

  async read(name: string, opts: ReadOptions = {}): Promise<Float32Array> {
    const r = this.shard(name);
    const e = r.entry(name);
    checkShape(e.file, name, e.shape, opts.shape);
    return r.read(name);
  }

  async readAs(name: string, dtype: LoadDType, opts: ReadAsOptions = {}): Promise<ReadAsResult> {
    const r = this.shard(name);
    checkShape(r.entry(name).file, name, r.entry(name).shape, opts.shape);
    return readTensorAs(r, name, dtype, opts);
  }

  async readRaw(name: string): Promise<Uint8Array> {
    const r = this.shard(name);
    if (!r.readRaw) throw new FormatError(this.path, `tensor '${name}': its shard has no raw reads`);
    return r.readRaw(name);
  }

  async close(): Promise<void> {
    await Promise.all([...this.shards.values()].map((s) => s.close()));
  }

  private shard(name: string): CheckpointReader {
    const r = this.owner.get(name);
    if (!r) throw missingTensorError(this.path, name, this.owner.keys());
    return r;
  }
}
