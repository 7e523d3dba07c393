/**
 * Pickled object graphs that are not trees: dicts shared between keys (a 2 KB pickle whose walk would visit
 * 2^60 paths), a dict that contains itself, long MARK runs; and a shard index that lists itself. Each must
 * fail fast with the file named (or load, when the sharing is small), never hang or overflow the stack.
 */
import { writeFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import { FormatError } from '@crossedit/core';
import { describe, expect, it } from 'vitest';
import { openCheckpoint } from './open.js';
import { MAX_STATE_DICT_NAMES, PyTorchReader } from './pytorch.js';
import { tempDir } from './test-util.js';
import { PickleBuilder } from './testing/pickle-builder.js';
import { buildZip } from './testing/zip-builder.js';
import { unpickle } from './unpickle.js';

/** Pushes `_rebuild_tensor_v2(storage '0' of 2 floats, 0, (2,), (1,))` onto the pickle's stack. */
function tensor(p: PickleBuilder): PickleBuilder {
  const global = (m: string, n: string) => p.op(0x63, ...new TextEncoder().encode(`${m}\n${n}\n`));
  global('torch._utils', '_rebuild_tensor_v2').op(0x28); // MARK
  p.op(0x28).str('storage');
  global('torch', 'FloatStorage');
  p.str('0').str('cpu').int(2).op(0x74, 0x51); // TUPLE, BINPERSID
  p.int(0).op(0x28).int(2).op(0x74).op(0x28).int(1).op(0x74); // offset, (2,), (1,)
  return p.op(0x74, 0x52); // TUPLE, REDUCE
}

/** Dicts `d_i = {'a': d_{i-1}, 'b': d_{i-1}}`, `depth` levels over `d_0 = {'w': tensor}`. */
function sharedDicts(depth: number): Uint8Array {
  const p = new PickleBuilder().dict().put(0).str('w');
  tensor(p).setitem();
  for (let i = 1; i < depth; i++) p.dict().put(i).str('a').get(i - 1).setitem().str('b').get(i - 1).setitem();
  return p.end();
}

function archive(dir: string, name: string, pkl: Uint8Array): string {
  const file = nodePath.join(dir, name);
  writeFileSync(
    file,
    buildZip([
      { name: 'archive/data.pkl', data: pkl },
      { name: 'archive/data/0', data: new Uint8Array(new Float32Array([1.5, -2]).buffer) },
    ]),
  );
  return file;
}

describe('pickle graphs', () => {
  const dir = tempDir();

  it('counts shared dicts once per object: 60 levels in about 2 KB are refused at once, naming the file', async () => {
    const pkl = sharedDicts(60);
    expect(pkl.length).toBeLessThan(2100);
    const file = archive(dir, 'shared60.bin', pkl);
    const t0 = performance.now();
    const err = await PyTorchReader.open(file).catch((e: unknown) => e);
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(err).toBeInstanceOf(FormatError);
    expect((err as FormatError).file).toBe(file);
    expect((err as Error).message).toMatch(new RegExp(`archive/data\\.pkl: the nested dicts give more than ${MAX_STATE_DICT_NAMES} tensor names \\(dicts shared between keys`));
  });

  it('still loads a state dict with a little sharing, every path named', async () => {
    const r = await PyTorchReader.open(archive(dir, 'shared3.bin', sharedDicts(3)));
    expect(r.list().map((e) => e.name).sort()).toEqual(['a.a.w', 'a.b.w', 'b.a.w', 'b.b.w']);
    expect(Array.from(await r.read('b.a.w'))).toEqual([1.5, -2]);
    await r.close();
  });

  it('refuses a dict that contains itself with its path and the file, not a stack overflow', async () => {
    const self = new PickleBuilder().dict().put(0).str('model').dict().put(1).str('layers').get(1).setitem().setitem().end();
    const file = archive(dir, 'cycle.bin', self);
    const err = await PyTorchReader.open(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FormatError);
    expect((err as FormatError).file).toBe(file);
    expect((err as Error).message).toMatch(/archive\/data\.pkl: the dict at 'model\.layers' contains itself \(a cycle through 'model'\)/);
  });

  it('takes a MARK run longer than the call stack allows (APPENDS of 300k items)', () => {
    const p = new PickleBuilder().op(0x5d, 0x28); // EMPTY_LIST, MARK
    for (let i = 0; i < 300_000; i++) p.op(0x4b, i & 0xff); // BININT1
    const list = unpickle(p.op(0x65).end(), { findClass: () => null, persistentLoad: () => null, reduce: () => null }, 'long.pkl') as number[];
    expect(list.length).toBe(300_000);
    expect(list[257]).toBe(1);
  });

  it('refuses a shard index that lists itself or another index', async () => {
    for (const [shard, want] of [
      ['model.safetensors.index.json', /the index lists itself \('model\.safetensors\.index\.json'\) as a shard/],
      ['other.index.json', /'other\.index\.json' is a shard index, not a weight file/],
    ] as const) {
      const d = tempDir();
      const index = nodePath.join(d, 'model.safetensors.index.json');
      writeFileSync(index, JSON.stringify({ weight_map: { 'a.weight': shard } }));
      writeFileSync(nodePath.join(d, 'other.index.json'), JSON.stringify({ weight_map: { 'a.weight': 'model.safetensors.index.json' } }));
      const err = await Promise.race([openCheckpoint(d).catch((e: unknown) => e), new Promise((r) => setTimeout(() => r(new Error('hung')), 5000))]);
      expect(err).toBeInstanceOf(FormatError);
      expect((err as FormatError).file).toBe(index);
      expect((err as Error).message).toMatch(want);
    }
  });
});

describe('pickle tensor views', () => {
  it('refuses a stride-0 view that claims more elements than its storage (reading it would allocate them all)', async () => {
    const global = (p: PickleBuilder, m: string, n: string) => p.op(0x63, ...new TextEncoder().encode(`${m}\n${n}\n`));
    const p = new PickleBuilder().dict().str('big');
    global(p, 'torch._utils', '_rebuild_tensor_v2').op(0x28).op(0x28).str('storage');
    global(p, 'torch', 'FloatStorage');
    p.str('0').str('cpu').int(2).op(0x74, 0x51);
    p.int(0).op(0x28).int(1 << 30).int(1 << 30).op(0x74).op(0x28).int(0).int(0).op(0x74).op(0x74, 0x52).setitem();
    const file = archive(tempDir(), 'expand.bin', p.end());
    await expect(PyTorchReader.open(file)).rejects.toThrow(
      /expand\.bin: tensor 'big': view of shape \[1073741824,1073741824\] \(stride \[0,0\]\) has \d+ elements, more than its 2-element storage/,
    );
  });
});
