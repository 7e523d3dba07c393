import { readFileSync, writeFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import { FormatError } from '@crossedit/core';
import { describe, expect, it } from 'vitest';
import { PyTorchReader } from './pytorch.js';
import { EXPECTED, fixture, tempDir } from './test-util.js';

describe('PyTorchReader (torch.save zip format)', () => {
  for (const file of ['tiny.bin', 'tiny_zip64.bin']) {
    it(`reads every tensor of ${file} exactly as torch.load does (views, offsets, f16/bf16/f64, params)`, async () => {
      const r = await PyTorchReader.open(fixture(file));
      const exp = EXPECTED[file];
      expect(r.list().map((e) => e.name)).toEqual(Object.keys(exp));
      for (const [name, e] of Object.entries(exp)) {
        expect(r.entry(name)).toMatchObject({ dtype: e.dtype, shape: e.shape });
        if (e.values) expect(Array.from(await r.read(name, { shape: e.shape })), name).toEqual(e.values);
      }
      await r.close();
    });
  }

  it('gathers non-contiguous views in raw reads too', async () => {
    const r = await PyTorchReader.open(fixture('tiny.bin'));
    const raw = await r.readRaw('view.transposed');
    expect(Array.from(new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4))).toEqual(EXPECTED['tiny.bin']['view.transposed'].values);
    const longs = await r.readRaw('x.long');
    expect(Array.from(new BigInt64Array(longs.buffer, longs.byteOffset, 3))).toEqual([1n, -2n, 3n]);
    await expect(r.read('x.long')).rejects.toThrow(/tensor 'x.long' has dtype i64/);
    await r.close();
  });

  it('refuses a pickle with a forbidden global (GLOBAL os.system), naming the file and the global', async () => {
    const p = fixture('malicious.bin');
    const err = await PyTorchReader.open(p).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FormatError);
    expect((err as FormatError).file).toBe(p);
    expect((err as Error).message).toMatch(/archive\/data\.pkl: forbidden global 'os\.system'/);
  });

  it('refuses a protocol-4 pickle with STACK_GLOBAL builtins.eval', async () => {
    await expect(PyTorchReader.open(fixture('malicious_p4.bin'))).rejects.toThrow(/malicious_p4\.bin: archive\/data\.pkl: forbidden global 'builtins\.eval'/);
  });

  it('reports truncated archives and missing storages with the file name', async () => {
    const dir = tempDir();
    const full = readFileSync(fixture('tiny.bin'));
    const cut = nodePath.join(dir, 'cut.bin');
    writeFileSync(cut, full.subarray(0, full.length - 40));
    await expect(PyTorchReader.open(cut)).rejects.toThrow(/cut\.bin: zip: no end-of-central-directory record/);
    // rename the member holding storage '0' so the pickle's reference dangles
    const renamed = Buffer.from(full);
    let n = 0;
    for (let i = renamed.indexOf('tiny/data/0'); i >= 0; i = renamed.indexOf('tiny/data/0', i + 1)) {
      if (renamed[i + 11] < 0x30 || renamed[i + 11] > 0x39) (renamed[i + 10] = 0x5a), n++; // '0' -> 'Z'
    }
    expect(n).toBe(2); // local header + central directory
    const dangling = nodePath.join(dir, 'dangling.bin');
    writeFileSync(dangling, renamed);
    await expect(PyTorchReader.open(dangling)).rejects.toThrow(/dangling\.bin: storage '0' is referenced by tiny\/data\.pkl but tiny\/data\/0 is missing/);
    const notZip = nodePath.join(dir, 'legacy.bin');
    writeFileSync(notZip, Uint8Array.of(0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e));
    await expect(PyTorchReader.open(notZip)).rejects.toThrow(/legacy \(pre-1\.6, non-zip\) torch\.save format/);
  });
});
