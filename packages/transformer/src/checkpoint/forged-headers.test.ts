/**
 * Header numbers that drive allocation: GGUF string and array lengths, counts, tensor dims and offsets, and the
 * safetensors header length. Each forged number is refused from the header bytes alone, naming the file and the
 * field, without reading (or allocating) what it claims.
 */
import { closeSync, ftruncateSync, openSync, writeFileSync, writeSync } from 'node:fs';
import * as nodePath from 'node:path';
import { FormatError } from '@crossedit/core';
import { describe, expect, it } from 'vitest';
import { GgufReader, MAX_GGUF_HEADER_BYTES } from './gguf.js';
import { SafetensorsReader } from './safetensors.js';
import { tempDir } from './test-util.js';
import { buildGguf } from './testing/gguf-builder.js';

const MiB = 1 << 20;
const dir = tempDir();

/** Writes `head` and extends the file (sparsely) to `size` bytes. */
function sparse(name: string, head: Uint8Array, size = head.length): string {
  const p = nodePath.join(dir, name);
  const fd = openSync(p, 'w');
  writeSync(fd, head);
  ftruncateSync(fd, Math.max(size, head.length));
  closeSync(fd);
  return p;
}

async function refusal(open: Promise<unknown>, file: string): Promise<string> {
  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  const e = await open.catch((x: unknown) => x);
  expect(performance.now() - t0).toBeLessThan(3000);
  expect(process.memoryUsage().rss - rss0).toBeLessThan(200 * MiB);
  expect(e).toBeInstanceOf(FormatError);
  expect((e as FormatError).file).toBe(file);
  return (e as Error).message;
}

describe('forged GGUF header numbers', () => {
  const ok = { 'general.architecture': { str: 'llama' } } as const;

  it('a string length of 900 MiB in a 1 GiB file is refused without reading past the header limit', async () => {
    const p = sparse('longstr.gguf', buildGguf({ ...ok, 'general.name': { str: 'x', len: 900 * MiB } }), 1024 * MiB);
    expect(await refusal(GgufReader.open(p), p)).toMatch(
      new RegExp(`GGUF header: general\\.name reaches byte \\d+, past the ${MAX_GGUF_HEADER_BYTES} bytes a header may take`),
    );
  });

  it('a key longer than 65535 bytes, array lengths the file cannot hold, nested arrays', async () => {
    const key = sparse('key.gguf', buildGguf({ ['k'.repeat(70_000)]: { u32: 1 } }));
    expect(await refusal(GgufReader.open(key), key)).toMatch(/GGUF header: metadata key #0 has length 70000, more than 65535 bytes/);
    const arr = sparse('array.gguf', buildGguf({ ...ok, 'tokenizer.ggml.tokens': { strs: ['a', 'b'], count: 50_000_000 } }), 64 * MiB);
    expect(await refusal(GgufReader.open(arr), arr)).toMatch(/GGUF metadata 'tokenizer\.ggml\.tokens': array length 50000000 needs at least 400000000 bytes, but only \d+ remain/);
    const nums = sparse('u32s.gguf', buildGguf({ ...ok, 'x.ids': { u32s: [1], count: 2 ** 40 } }));
    expect(await refusal(GgufReader.open(nums), nums)).toMatch(/'x\.ids': array length 1099511627776 needs at least 4398046511104 bytes/);
  });

  it('tensor and metadata counts, dims and offsets past the file end', async () => {
    const count = sparse('count.gguf', buildGguf(ok, [], { tensors: 2 ** 31 }), 4 * MiB);
    expect(await refusal(GgufReader.open(count), count)).toMatch(/GGUF header: tensor count 2147483648 and metadata count 1 need at least \d+ bytes, but the file has \d+/);
    const dims = sparse('dims.gguf', buildGguf(ok, [{ name: 'w', dims: [4, 2 ** 45], data: new Float32Array(4) }]));
    expect(await refusal(GgufReader.open(dims), dims)).toMatch(/tensor 'w': dims \[4,35184372088832\] \(innermost first\) cannot fit in a \d+-byte file/);
    const off = sparse('offset.gguf', buildGguf(ok, [{ name: 'w', dims: [4], data: new Float32Array(4), offset: 32 * 1000 }]));
    expect(await refusal(GgufReader.open(off), off)).toMatch(/tensor 'w': data \[\d+, \d+\) runs past the end of the file/);
  });

  it('an honest file with the same builder opens (the checks do not refuse real headers)', async () => {
    const p = sparse('fine.gguf', buildGguf({ ...ok, 'tokenizer.ggml.tokens': { strs: ['a', 'b', 'c'] } }, [{ name: 'w', dims: [4, 2], data: Float32Array.from({ length: 8 }, (_, i) => i) }]));
    const r = await GgufReader.open(p);
    expect(r.metadata['tokenizer.ggml.tokens']).toEqual(['a', 'b', 'c']);
    expect(r.entry('w').shape).toEqual([2, 4]);
    expect(Array.from(await r.read('w'))).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    await r.close();
  });
});

describe('forged safetensors header length', () => {
  it('a header length past the file or the 100 MB limit is refused before reading it', async () => {
    const head = new Uint8Array(new BigUint64Array([BigInt(900 * MiB)]).buffer);
    const p = sparse('len.safetensors', head, 1024 * MiB);
    expect(await refusal(SafetensorsReader.open(p), p)).toMatch(/safetensors header: length 943718400 exceeds the file .* or the 100 MB limit/);
    const p2 = nodePath.join(dir, 'short.safetensors');
    writeFileSync(p2, Buffer.concat([Buffer.from(new BigUint64Array([1000n]).buffer), Buffer.from('{}')]));
    expect(await refusal(SafetensorsReader.open(p2), p2)).toMatch(/length 1000 exceeds the file \(10 bytes\)/);
  });
});
