/**
 * The tiny checkpoint writers, read back by the project's readers: every format stores the host values
 * (f16 exactly, since the random weights are f16-representable), a sharded directory has its index, and the
 * GGUF has llama.cpp's names, dims and q/k row order (checked by hand on one head, and by the loader's
 * un-permute giving the HF rows back).
 */
import { existsSync, rmSync } from 'node:fs';
import * as nodePath from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GgufLlamaReader, GgufReader, openCheckpoint } from '@crossedit/transformer';
import { TINY_LLAMA, llamaFileTensors, permuteToGguf, randomHostWeights, tempModelDir, tinyHfConfig, writeHfCheckpoint, writeLlamaGguf } from './index.js';

const host = randomHostWeights(TINY_LLAMA, 3);
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function dir(): string {
  const d = tempModelDir('crossedit-testing-ckpt-');
  dirs.push(d);
  return d;
}

describe('tiny checkpoints', () => {
  const cases = [
    ['safetensors', 1, 'f32', 'model.safetensors'],
    ['safetensors', 2, 'f16', 'model.safetensors.index.json'],
    ['bin', 1, 'f16', 'pytorch_model.bin'],
    ['bin', 3, 'f32', 'pytorch_model.bin.index.json'],
  ] as const;
  for (const [format, shards, dtype, first] of cases) {
    it(`${format}, ${shards} file(s), ${dtype}: read back with the stored values`, async () => {
      const d = dir();
      const files = await writeHfCheckpoint(d, llamaFileTensors(host, TINY_LLAMA), { format, shards, dtype, config: tinyHfConfig(TINY_LLAMA) });
      expect(nodePath.basename(files[0])).toBe(first);
      expect(files.length).toBe(shards === 1 ? 1 : shards + 1);
      expect(existsSync(nodePath.join(d, 'config.json'))).toBe(true);
      const ckpt = await openCheckpoint(d);
      try {
        expect(ckpt.list().length).toBe(host.size + TINY_LLAMA.numLayers); // + the inv_freq buffers
        for (const [name, want] of host) expect(Array.from(await ckpt.read(name)), name).toEqual(Array.from(want));
      } finally {
        await ckpt.close();
      }
    });
  }

  it('permuteToGguf puts HF rows [0, 1, 2, 3] of a 4-wide head in the order [0, 2, 1, 3]', () => {
    const w = Float32Array.from([0, 1, 2, 3, 10, 11, 12, 13]); // two heads of 4 rows, 1 column
    expect(Array.from(permuteToGguf(w, 8, 1, 2))).toEqual([0, 2, 1, 3, 10, 12, 11, 13]);
  });

  for (const dtype of ['f32', 'f16'] as const) {
    it(`GGUF ${dtype}: llama.cpp names and dims, the config in the metadata, HF values after the loader's un-permute`, async () => {
      const path = nodePath.join(dir(), 'tiny.gguf');
      writeLlamaGguf(path, host, TINY_LLAMA, { dtype });
      const raw = await GgufReader.open(path);
      try {
        const q = raw.list().find((e) => e.name === 'blk.1.attn_q.weight');
        expect(q?.shape).toEqual([TINY_LLAMA.hiddenSize, TINY_LLAMA.hiddenSize]);
        expect(raw.list().find((e) => e.name === 'blk.0.ffn_down.weight')?.shape).toEqual([TINY_LLAMA.hiddenSize, TINY_LLAMA.intermediateSize]);
        expect(raw.list().find((e) => e.name === 'blk.0.ffn_down.weight')?.dtype).toBe(dtype);
        expect(raw.list().find((e) => e.name === 'output_norm.weight')?.dtype).toBe('f32');
      } finally {
        await raw.close();
      }
      const ckpt = await GgufLlamaReader.open(path);
      try {
        expect(ckpt.config).toEqual({ ...TINY_LLAMA, rmsNormEps: Math.fround(TINY_LLAMA.rmsNormEps) });
        for (const [name, want] of host) expect(Array.from(await ckpt.read(name)), name).toEqual(Array.from(want));
      } finally {
        await ckpt.close();
      }
    });
  }
});
