import { readFileSync, writeFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import { FormatError } from '@crossedit/core';
import { describe, expect, it } from 'vitest';
import { SafetensorsReader } from './safetensors.js';
import { writeSafetensors } from './safetensors-writer.js';
import { EXPECTED, fixture, tempDir } from './test-util.js';

/** Builds a safetensors file from a header object and a data section. */
function stFile(header: unknown, data: Uint8Array, rawHeader?: string): Uint8Array {
  const h = new TextEncoder().encode(rawHeader ?? JSON.stringify(header));
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

async function openErr(bytes: Uint8Array): Promise<FormatError> {
  const p = nodePath.join(tempDir(), 'bad.safetensors');
  writeFileSync(p, bytes);
  const err = await SafetensorsReader.open(p).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FormatError);
  expect((err as FormatError).file).toBe(p);
  return err as FormatError;
}

describe('SafetensorsReader', () => {
  it('reads f32/f16/bf16/f64 tensors exactly as the Python writer stored them', async () => {
    const r = await SafetensorsReader.open(fixture('tiny.safetensors'));
    const exp = EXPECTED['tiny.safetensors'];
    expect(r.list().map((e) => e.name)).toEqual(['a', 'b', 'c', 'd', 'ids']);
    for (const [name, e] of Object.entries(exp)) {
      expect(r.entry(name)).toEqual({ name, dtype: e.dtype, shape: e.shape, file: fixture('tiny.safetensors') });
      if (e.values) expect(Array.from(await r.read(name, { shape: e.shape }))).toEqual(e.values);
    }
    expect(r.metadata).toEqual({ format: 'pt', note: 'crossedit fixture' });
    await r.close();
  });

  it('refuses to convert integer tensors but returns their raw bytes', async () => {
    const r = await SafetensorsReader.open(fixture('tiny.safetensors'));
    await expect(r.read('ids')).rejects.toThrow(/tensor 'ids' has dtype i64.*readRaw/);
    const raw = await r.readRaw('ids');
    expect(Array.from(new BigInt64Array(raw.buffer, raw.byteOffset, 3))).toEqual([7n, -8n, 9n]);
    await r.close();
  });

  it('names the file and tensor for a missing tensor and a wrong shape', async () => {
    const r = await SafetensorsReader.open(fixture('tiny.safetensors'));
    await expect(r.read('nope')).rejects.toThrow(/tiny\.safetensors: no tensor named 'nope' \(the checkpoint has 5 tensors/);
    await expect(r.read('a', { shape: [4, 3] })).rejects.toThrow(/tiny\.safetensors: tensor 'a' has shape \[3,4\], expected \[4,3\]/);
    expect(() => r.entry('x')).toThrow(FormatError);
    await r.close();
  });

  it('validates the header: truncation, length, JSON, dtype, shape, offsets', async () => {
    const good = { w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } };
    const data = new Uint8Array(8);
    expect((await openErr(new Uint8Array(5))).detail).toMatch(/shorter than the 8-byte length prefix/);
    const huge = stFile(good, data);
    new DataView(huge.buffer).setBigUint64(0, 1n << 40n, true);
    expect((await openErr(huge)).detail).toMatch(/length 1099511627776 exceeds the file/);
    expect((await openErr(stFile(null, data, '{"w": {"dtype": "F32"'))).detail).toMatch(/not valid JSON/);
    expect((await openErr(stFile({ w: { ...good.w, dtype: 'F8_E4M3' } }, data))).detail).toMatch(/tensor 'w': unsupported dtype "F8_E4M3"/);
    expect((await openErr(stFile({ w: { ...good.w, shape: [2, -1] } }, data))).detail).toMatch(/tensor 'w': shape must be/);
    expect((await openErr(stFile({ w: { ...good.w, data_offsets: [0, 16] } }, data))).detail).toMatch(/tensor 'w': data_offsets \[0,16\] run past the end/);
    expect((await openErr(stFile({ w: { ...good.w, shape: [3] } }, data))).detail).toMatch(/tensor 'w': data_offsets span 8 bytes but shape \[3\] of F32 needs 12/);
    const two = { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } };
    expect((await openErr(stFile(two, data))).detail).toMatch(/data overlaps/);
    // a file cut inside the data section
    const full = readFileSync(fixture('tiny.safetensors'));
    expect((await openErr(full.subarray(0, full.length - 3))).detail).toMatch(/run past the end of the data/);
  });
});

describe('writeSafetensors', () => {
  const vals = EXPECTED['writer_ref.safetensors'].values as unknown as number[];

  it('writes byte-for-byte what the reference Python writer wrote (f32, f16 with overflow, bf16, metadata)', async () => {
    const p = nodePath.join(tempDir(), 'w.safetensors');
    await writeSafetensors(
      p,
      [
        { name: 'w.f32', shape: [2, 4], dtype: 'f32', data: new Float64Array(vals) },
        { name: 'w.f16', shape: [8], dtype: 'f16', data: vals },
        { name: 'w.bf16', shape: [4, 2], dtype: 'bf16', data: async () => new Float32Array(vals) },
      ],
      { method: 'test' },
    );
    expect(Buffer.from(readFileSync(p)).equals(readFileSync(fixture('writer_ref.safetensors')))).toBe(true);
    const r = await SafetensorsReader.open(p);
    expect(Array.from(await r.read('w.f32'))).toEqual(Array.from(new Float32Array(vals)));
    expect((await r.read('w.f16'))[7]).toBe(Infinity);
    await r.close();
  });

  it('rejects a data length that does not match the shape, leaving no file behind', async () => {
    const dir = tempDir();
    const p = nodePath.join(dir, 'bad.safetensors');
    await expect(writeSafetensors(p, [{ name: 'x', shape: [2, 2], dtype: 'f32', data: [1, 2, 3] }])).rejects.toThrow(/tensor 'x' has 3 values, shape \[2,2\] needs 4/);
    await expect(writeSafetensors(p, [{ name: 'x', shape: [1], dtype: 'f32', data: [1] }, { name: 'x', shape: [1], dtype: 'f32', data: [1] }])).rejects.toThrow(/duplicate/);
    expect((await import('node:fs')).readdirSync(dir)).toEqual([]);
  });

  it('round-trips a larger tensor through the chunked encoder', async () => {
    const p = nodePath.join(tempDir(), 'big.safetensors');
    const n = (8 << 20) / 2 + 123; // more than one 8 MB f16 chunk
    const data = new Float32Array(n).map((_, i) => (i % 1000) / 8);
    await writeSafetensors(p, [{ name: 'big', shape: [n], dtype: 'f16', data }]);
    const r = await SafetensorsReader.open(p);
    const back = await r.read('big');
    expect(back.length).toBe(n);
    expect(back[n - 1]).toBe(((n - 1) % 1000) / 8);
    expect(back[4194303]).toBe((4194303 % 1000) / 8);
    await r.close();
  });
});
