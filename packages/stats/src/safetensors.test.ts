import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FormatError } from '@crossedit/core';
import { readSafetensors, readSafetensorsHeader, writeSafetensors } from './safetensors.js';
import { tempDir } from './testing/corpus.js';

describe('safetensors', () => {
  it('round-trips F32 and F64 tensors with metadata, in the documented byte layout', async () => {
    const dir = await tempDir('st-');
    const path = join(dir, 'a.safetensors');
    const a = Float32Array.from([1.5, -2, 3.25, 0]);
    const b = Float64Array.from([Math.PI, -1e-300, 7]);
    await writeSafetensors(path, { a: { dtype: 'F32', shape: [2, 2], data: a }, b: { dtype: 'F64', shape: [3], data: b } }, { layer: '5' });
    const h = await readSafetensorsHeader(path);
    expect(h.metadata).toEqual({ layer: '5' });
    expect(h.tensors.a).toEqual({ dtype: 'F32', shape: [2, 2], offsets: [0, 16] });
    expect(h.tensors.b.offsets).toEqual([16, 40]);
    expect(h.dataStart % 8).toBe(0);
    const r = await readSafetensors(path);
    expect(Array.from(r.tensors.a.data)).toEqual(Array.from(a));
    expect(Array.from(r.tensors.b.data)).toEqual(Array.from(b));
    const only = await readSafetensors(path, ['b']);
    expect(Object.keys(only.tensors)).toEqual(['b']);
    await expect(readSafetensors(path, ['c'])).rejects.toThrow(/no tensor 'c'/);
  });

  it('names the file and the problem for damaged files', async () => {
    const dir = await tempDir('st-');
    const path = join(dir, 'bad.safetensors');
    const head = Buffer.alloc(8);
    head.writeBigUInt64LE(1000n);
    await writeFile(path, Buffer.concat([head, Buffer.from('{}')]));
    await expect(readSafetensorsHeader(path)).rejects.toThrow(FormatError);
    await expect(readSafetensorsHeader(path)).rejects.toThrow(/bad\.safetensors: header length 1000/);
    const json = Buffer.from('{"x":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}');
    head.writeBigUInt64LE(BigInt(json.length));
    await writeFile(path, Buffer.concat([head, json, Buffer.alloc(8)]));
    await expect(readSafetensors(path)).rejects.toThrow(/tensor 'x': data_offsets 0,16 run past the end/);
  });
});
