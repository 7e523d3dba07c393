import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import { FormatError } from '@crossedit/core';
import { describe, expect, it } from 'vitest';
import { GgufReader } from './gguf.js';
import { EXPECTED, SHARED, fixture, tempDir } from './test-util.js';

const STORIES = nodePath.join(SHARED, 'models/stories260k/stories260K.gguf');
const REF_PATH = fixture('stories260k_reference.json');

describe('GgufReader (hand-written v3 fixture, alignment 64)', () => {
  it('reads metadata of every value type', async () => {
    const r = await GgufReader.open(fixture('tiny.gguf'));
    const want = EXPECTED['tiny.gguf#metadata'] as unknown as Record<string, unknown>;
    expect(r.version).toBe(3);
    expect(r.alignment).toBe(64);
    expect(r.dataStart % 64).toBe(0);
    expect({ ...r.metadata, 'test.i64': String(r.metadata['test.i64']) }).toEqual({ ...want, 'test.i64': String(-(2n ** 62n)) });
    expect(typeof r.metadata['test.i64']).toBe('bigint');
    expect(r.metadata['test.u64']).toBe(2 ** 40 + 3);
    await r.close();
  });

  it('lists PyTorch-order shapes and reads F32/F16/BF16 and dequantises Q8_0/Q4_0 exactly as ggml', async () => {
    const r = await GgufReader.open(fixture('tiny.gguf'));
    const exp = EXPECTED['tiny.gguf'];
    expect(r.list().map((e) => [e.name, e.dtype, e.shape])).toEqual(Object.entries(exp).map(([n, e]) => [n, e.dtype, e.shape]));
    for (const [name, e] of Object.entries(exp)) expect(Array.from(await r.read(name, { shape: e.shape })), name).toEqual(e.values);
    expect((await r.readRaw('t.q8_0')).byteLength).toBe(4 * 34);
    await expect(r.read('t.q8_0', { shape: [64, 2] })).rejects.toThrow(/tiny\.gguf: tensor 't\.q8_0' has shape \[2,64\], expected \[64,2\]/);
    await r.close();
  });

  it('reports corrupt and truncated files naming the file and the field or tensor', async () => {
    const dir = tempDir();
    const full = readFileSync(fixture('tiny.gguf'));
    const write = (name: string, b: Uint8Array): string => {
      const p = nodePath.join(dir, name);
      writeFileSync(p, b);
      return p;
    };
    const err = async (p: string): Promise<string> => {
      const e = await GgufReader.open(p).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(FormatError);
      expect((e as FormatError).file).toBe(p);
      return (e as FormatError).detail;
    };
    expect(await err(write('magic.gguf', Buffer.concat([Buffer.from('GGUX'), full.subarray(4)])))).toMatch(/bad magic/);
    const v1 = Buffer.from(full);
    v1.writeUInt32LE(1, 4);
    expect(await err(write('v1.gguf', v1))).toMatch(/version 1 is not supported/);
    expect(await err(write('header.gguf', full.subarray(0, 300)))).toMatch(/runs past the end of the file|truncated or forged/);
    expect(await err(write('data.gguf', full.subarray(0, full.length - 10)))).toMatch(/tensor 't\.bf16': data .* runs past the end of the file/);
    const badType = Buffer.from(full);
    const at = badType.indexOf('t.q4_0') + 6 + 4 + 16; // name, n_dims, two dims
    expect(badType.readUInt32LE(at)).toBe(2);
    badType.writeUInt32LE(99, at);
    expect(await err(write('type.gguf', badType))).toMatch(/tensor 't\.q4_0': unsupported GGML type id 99/);
  });
});

describe.skipIf(!existsSync(STORIES))('GgufReader on the real stories260K.gguf', () => {
  const ref = JSON.parse(readFileSync(REF_PATH, 'utf8')) as {
    metadata: Record<string, unknown>;
    n_tokens: number;
    tokens_head: string[];
    tensor_order: string[];
    shapes: Record<string, number[]>;
    sums: Record<string, number>;
    token_embd_row0: number[];
  };

  it('opens it and reads the llama.* hyperparameters and the embedded tokenizer', async () => {
    const r = await GgufReader.open(STORIES);
    expect(r.version).toBe(3);
    const m = r.metadata;
    expect(m['general.architecture']).toBe('llama');
    expect([m['llama.embedding_length'], m['llama.block_count'], m['llama.attention.head_count'], m['llama.attention.head_count_kv']]).toEqual([64, 5, 8, 4]);
    expect(m['llama.feed_forward_length']).toBe(172);
    expect(m['llama.context_length']).toBe(2048);
    expect(m['llama.attention.layer_norm_rms_epsilon']).toBe(Math.fround(1e-5));
    const tokens = m['tokenizer.ggml.tokens'] as string[];
    expect(tokens.length).toBe(512);
    expect(tokens.slice(0, 8)).toEqual(ref.tokens_head);
    expect((m['tokenizer.ggml.scores'] as number[]).length).toBe(512);
    for (const [k, v] of Object.entries(ref.metadata)) expect(m[k], k).toEqual(v);
    await r.close();
  });

  it('lists 48 tensors with PyTorch-order shapes (GQA k/v [32,64]) and reads them as an independent numpy parse does', async () => {
    const r = await GgufReader.open(STORIES);
    const list = r.list();
    expect(list.length).toBe(48);
    expect(list.map((e) => e.name)).toEqual(ref.tensor_order);
    for (const e of list) expect(e.shape, e.name).toEqual(ref.shapes[e.name]);
    expect(r.entry('blk.0.attn_k.weight').shape).toEqual([32, 64]);
    expect(r.entry('blk.4.ffn_down.weight').shape).toEqual([64, 172]);
    for (const e of list) {
      const w = await r.read(e.name);
      let s = 0;
      for (const v of w) s += v;
      expect(s, e.name).toBeCloseTo(ref.sums[e.name], 9);
    }
    expect(Array.from((await r.read('token_embd.weight')).subarray(0, 64))).toEqual(ref.token_embd_row0);
    await r.close();
  });
});
