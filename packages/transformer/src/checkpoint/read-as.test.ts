/**
 * Reading tensors in their device dtype (`readAs` / `readTensorAs` / `streamTensors`): every reader and stored
 * dtype gives the values `read()` gives (f32) or their round-to-nearest-even half bits (f16; f16 files bit for
 * bit), into a reused buffer; values past f16's range and non-finite values are errors naming the file, tensor
 * and element.
 */
import { rmSync } from 'node:fs';
import * as nodePath from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FormatError, f32ToF16 } from '@crossedit/core';
import { openCheckpoint } from './open.js';
import { PyTorchReader } from './pytorch.js';
import { GgufLlamaReader } from './gguf-llama.js';
import { readTensorAs } from './read-tensor.js';
import { streamTensors } from './stream.js';
import { writeSafetensors } from './safetensors-writer.js';
import { writeShardedSafetensors } from './sharded-writer.js';
import { EXPECTED, SHARED, fixture, tempDir } from './test-util.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tmp = () => {
  const d = tempDir();
  dirs.push(d);
  return d;
};

/** Half bits of float32 values, element by element with core's encoder (the independent reference). */
const halfBits = (v: ArrayLike<number>) => Uint16Array.from(Array.from(v, (x) => f32ToF16(x)));

describe('readAs: the device dtype straight from the file', () => {
  it('PyTorch .bin: f32, f16, bf16, f64 and strided views read as f32 equal read(), as f16 equal their half bits', async () => {
    const r = await PyTorchReader.open(fixture('tiny.bin'));
    const into = new ArrayBuffer(1024);
    for (const [name, e] of Object.entries(EXPECTED['tiny.bin'])) {
      if (!e.values || !['f32', 'f16', 'bf16', 'f64'].includes(e.dtype)) continue;
      const f32 = await r.read(name);
      const a = await r.readAs(name, 'f32', { into });
      expect(Array.from(a.data), name).toEqual(Array.from(f32));
      const h = await readTensorAs(r, name, 'f16', { shape: e.shape });
      expect(h.data, name).toBeInstanceOf(Uint16Array);
      expect(Array.from(h.data), name).toEqual(Array.from(halfBits(f32)));
      expect(h.overflow.count).toBe(0);
    }
    await r.close();
  });

  it('an f16 safetensors file reads as f16 bit for bit (readRaw), into the caller buffer, and as f32 through the scratch', async () => {
    const d = tmp();
    const values = Float32Array.from({ length: 3000 }, (_, i) => Math.sin(i) * 100);
    const file = nodePath.join(d, 'h.safetensors');
    await writeSafetensors(file, [{ name: 'w', shape: [30, 100], dtype: 'f16', data: values }]);
    const r = await openCheckpoint(file);
    const into = new ArrayBuffer(1 << 16);
    const h = await r.readAs!('w', 'f16', { into, shape: [30, 100] });
    expect(h.data.buffer).toBe(into);
    expect(h.storedBytes).toBe(6000);
    const raw = await r.readRaw!('w');
    expect(Buffer.from(h.data.buffer, 0, 6000).equals(Buffer.from(raw))).toBe(true);
    expect(Array.from(h.data)).toEqual(Array.from(halfBits(values)));
    const f = await r.readAs!('w', 'f32', { scratch: new Uint8Array(64) });
    expect(Array.from(f.data)).toEqual(Array.from(await r.read('w')));
    await expect(r.readAs!('w', 'f16', { shape: [100, 30] })).rejects.toThrow(/h\.safetensors: tensor 'w' has shape \[30,100\], expected \[100,30\]/);
    await r.close();
  });

  it('f32 and bf16 values past ±65504 are counted when read as f16; streamTensors refuses them naming file, tensor and element', async () => {
    const d = tmp();
    const big = Float32Array.from({ length: 12 }, (_, i) => (i === 7 ? 70000 : i === 9 ? -1e6 : i));
    await writeShardedSafetensors(d, [
      { name: 'ok', shape: [4], dtype: 'bf16', data: [1, 2, 3, 4] },
      { name: 'big', shape: [3, 4], dtype: 'f32', data: big },
      { name: 'bigbf', shape: [3, 4], dtype: 'bf16', data: big },
    ], { maxShardBytes: 40 });
    const r = await openCheckpoint(d);
    expect(r.path).toMatch(/model\.safetensors\.index\.json$/);
    for (const name of ['big', 'bigbf']) {
      const h = await r.readAs!(name, 'f16');
      expect(h.overflow).toMatchObject({ count: 2, first: 7 });
      expect(h.overflow.value).toBeGreaterThan(65504);
    }
    const e = await streamTensors(r, [{ name: 'ok', shape: [4] }, { name: 'big', shape: [3, 4] }], { dtype: 'f16' }, () => undefined).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(FormatError);
    expect((e as FormatError).file).toMatch(/model-0000\d-of-0000\d\.safetensors$/);
    expect((e as Error).message).toMatch(/tensor 'big' \[3,4\] has 2 values outside the f16 range ±65504 \(first: 70000 at \[1, 3\]\).*--dtype f32/);
    // as f32 the same tensor streams
    const seen: string[] = [];
    await streamTensors(r, [{ name: 'big', shape: [3, 4] }], { dtype: 'f32' }, (en, data) => void seen.push(`${en.name}:${data[7]}`));
    expect(seen).toEqual(['big:70000']);
    await r.close();
  });

  it('a NaN in an f16 file is refused by streamTensors, naming the file, tensor, element and count', async () => {
    const d = tmp();
    const file = nodePath.join(d, 'model.safetensors');
    const v = Float32Array.from({ length: 20 }, (_, i) => (i === 13 ? NaN : i === 17 ? Infinity : i / 7));
    await writeSafetensors(file, [{ name: 'w', shape: [4, 5], dtype: 'f16', data: v }]);
    const r = await openCheckpoint(d);
    const e = await streamTensors(r, [{ name: 'w', shape: [4, 5] }], { dtype: 'f16' }, () => undefined).catch((x: unknown) => x);
    expect((e as FormatError).file).toBe(file);
    expect((e as Error).message).toMatch(/tensor 'w' \[4,5\] holds 2 non-finite values \(first: NaN at \[2, 3\]\); expected finite weights/);
    await r.close();
  });

  it('streams in listing order through one buffer, with progress in stored bytes, and names a missing tensor', async () => {
    const r = await openCheckpoint(fixture('sharded-st'));
    const names = r.list().map((e) => e.name);
    const req = names.map((name) => ({ name, shape: r.entry(name).shape }));
    const buffers = new Set<ArrayBufferLike>();
    const progress: number[] = [];
    const order: string[] = [];
    const stats = await streamTensors(r, [...req].reverse(), { dtype: 'f32', onProgress: (done, total) => progress.push(done / total) }, async (e, data) => {
      buffers.add(data.buffer);
      order.push(e.name);
      expect(Array.from(data)).toEqual(Array.from(await r.read(e.name)));
    });
    expect(order).toEqual(names);
    expect(buffers.size).toBe(1);
    expect(progress.at(-1)).toBe(1);
    expect(stats.tensors).toBe(names.length);
    await expect(streamTensors(r, [{ name: 'nope.weight', shape: [1] }], { dtype: 'f32' }, () => undefined)).rejects.toThrow(/no tensor named 'nope\.weight'/);
    await r.close();
  });

  it('a GGUF through GgufLlamaReader (reordered q rows) reads as f16 through read()', async () => {
    const g = await GgufLlamaReader.open(nodePath.join(SHARED, 'models/stories260k/stories260K.gguf'));
    const name = 'model.layers.0.self_attn.q_proj.weight';
    const h = await readTensorAs(g, name, 'f16');
    expect(Array.from(h.data)).toEqual(Array.from(halfBits(await g.read(name))));
    await g.close();
  });
});
