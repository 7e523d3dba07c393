import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import { FormatError } from '@crossedit/core';
import { describe, expect, it } from 'vitest';
import { openCheckpoint } from './open.js';
import { ShardedReader } from './sharded.js';
import { EXPECTED, fixture, tempDir } from './test-util.js';

describe('openCheckpoint', () => {
  it('dispatches single files by content', async () => {
    for (const [file, format] of [['tiny.safetensors', 'safetensors'], ['tiny.bin', 'pytorch'], ['tiny.gguf', 'gguf']] as const) {
      const r = await openCheckpoint(fixture(file));
      expect(r.format).toBe(format);
      expect(r.list().length).toBe(Object.keys(EXPECTED[file]).length);
      await r.close();
    }
  });

  for (const [dir, format] of [['sharded-bin', 'pytorch'], ['sharded-st', 'safetensors']] as const) {
    it(`opens the sharded ${format} directory through its index and reads every tensor exactly`, async () => {
      const r = await openCheckpoint(fixture(dir));
      expect(r).toBeInstanceOf(ShardedReader);
      expect(r.format).toBe(format);
      const exp = EXPECTED[dir];
      expect(r.list().map((e) => e.name)).toEqual(Object.keys(exp));
      expect(new Set(r.list().map((e) => nodePath.basename(e.file))).size).toBe(2);
      for (const [name, e] of Object.entries(exp)) {
        expect(r.entry(name)).toMatchObject({ dtype: e.dtype, shape: e.shape });
        expect(Array.from(await r.read(name, { shape: e.shape })), name).toEqual(e.values);
      }
      await expect(r.read('lm_head.weight', { shape: [4, 6] })).rejects.toThrow(/-00002\.(bin|safetensors): tensor 'lm_head\.weight' has shape \[6,4\], expected \[4,6\]/);
      await expect(r.read('model.norm.weight')).rejects.toThrow(/index\.json: no tensor named 'model\.norm\.weight'/);
      await r.close();
    });
  }

  it('prefers safetensors over .bin in a directory, and explains an empty one', async () => {
    const dir = tempDir();
    copyFileSync(fixture('tiny.bin'), nodePath.join(dir, 'pytorch_model.bin'));
    expect((await openCheckpoint(dir)).format).toBe('pytorch');
    copyFileSync(fixture('tiny.safetensors'), nodePath.join(dir, 'model.safetensors'));
    expect((await openCheckpoint(dir)).format).toBe('safetensors');
    const empty = tempDir();
    await expect(openCheckpoint(empty)).rejects.toThrow(/no checkpoint in this directory: expected one of model\.safetensors\.index\.json/);
    await expect(openCheckpoint(nodePath.join(empty, 'nope'))).rejects.toThrow(FormatError);
  });

  it('checks the shard index: missing shard file, tensor absent from its shard, no weight_map', async () => {
    const dir = tempDir();
    mkdirSync(dir, { recursive: true });
    copyFileSync(fixture('sharded-st', 'model-00001-of-00002.safetensors'), nodePath.join(dir, 'a.safetensors'));
    const idx = nodePath.join(dir, 'model.safetensors.index.json');
    writeFileSync(idx, JSON.stringify({ weight_map: { 'model.embed_tokens.weight': 'a.safetensors', 'lm_head.weight': 'b.safetensors' } }));
    await expect(openCheckpoint(dir)).rejects.toThrow(/index\.json: weight_map\['lm_head\.weight'\]: shard file 'b\.safetensors' does not exist/);
    writeFileSync(idx, JSON.stringify({ weight_map: { 'lm_head.weight': 'a.safetensors' } }));
    await expect(openCheckpoint(dir)).rejects.toThrow(/weight_map says tensor 'lm_head\.weight' is in 'a\.safetensors', but that shard has no such tensor/);
    writeFileSync(idx, JSON.stringify({ weight_map: { x: '../a.safetensors' } }));
    await expect(openCheckpoint(dir)).rejects.toThrow(/expected a shard file name inside the checkpoint directory/);
    writeFileSync(idx, '{"metadata": {}}');
    await expect(openCheckpoint(dir)).rejects.toThrow(/missing 'weight_map'/);
  });
});
