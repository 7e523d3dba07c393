/**
 * Deflated ZIP members are inflated as a stream into the size the central directory declares: a zip bomb (a
 * 1.5 MB `pytorch_model.bin` whose `data.pkl` inflates to 1.5 GiB) is refused after at most that size plus a
 * chunk, whatever it declares, and a member of another size than declared is refused with both sizes named.
 */
import { writeFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import { constants, deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { MAX_PICKLE_BYTES, PyTorchReader } from './pytorch.js';
import { RangeFile } from './range-file.js';
import { tempDir } from './test-util.js';
import { buildZip, concat } from './testing/zip-builder.js';
import { ZipReader } from './zip.js';

const MiB = 1 << 20;

/** A raw deflate stream of `mib` MiB of zeros: one sync-flushed 1 MiB block repeated, then a final empty block. */
function zerosStream(mib: number): Uint8Array {
  const block = deflateRawSync(new Uint8Array(MiB), { finishFlush: constants.Z_SYNC_FLUSH });
  return concat([...Array.from({ length: mib }, () => block), Uint8Array.of(0x03, 0x00)]);
}

function writeZip(dir: string, name: string, members: Parameters<typeof buildZip>[0]): string {
  const p = nodePath.join(dir, name);
  writeFileSync(p, buildZip(members));
  return p;
}

describe('zip members: inflation capped by the declared size', () => {
  const dir = tempDir();
  const bomb = zerosStream(1536); // 1.5 GiB of zeros in about 1.5 MB

  it('refuses a data.pkl that inflates past what it declares, after at most the declared size plus a chunk', async () => {
    expect(bomb.length).toBeLessThan(2 * MiB);
    const p = writeZip(dir, 'bomb.bin', [{ name: 'archive/data.pkl', data: bomb, method: 8, declaredSize: 4096 }]);
    const rss0 = process.memoryUsage().rss;
    const err = (await PyTorchReader.open(p).catch((e: unknown) => e)) as Error;
    const grew = process.memoryUsage().rss - rss0;
    expect(err.message).toMatch(/bomb\.bin: zip member 'archive\/data\.pkl' inflates past the 4096 bytes its central directory entry declares \(stopped after \d+ bytes\)/);
    const stopped = Number(/stopped after (\d+) bytes/.exec(err.message)![1]);
    expect(stopped).toBeGreaterThan(4096);
    expect(stopped).toBeLessThanOrEqual(4096 + MiB);
    expect(grew).toBeLessThan(400 * MiB); // inflating it whole took 1.5 GiB (4.7 GB RSS)
  });

  it('refuses a data.pkl that honestly declares 1.5 GiB before inflating anything', async () => {
    const p = writeZip(dir, 'honest.bin', [{ name: 'archive/data.pkl', data: bomb, method: 8, declaredSize: 1536 * MiB }]);
    await expect(PyTorchReader.open(p)).rejects.toThrow(
      new RegExp(`honest\\.bin: zip member 'archive/data\\.pkl': the central directory declares ${1536 * MiB} bytes, more than the ${MAX_PICKLE_BYTES} bytes`),
    );
  });

  it('refuses sizes that deflate cannot produce, and members that end short of their declared size', async () => {
    const small = deflateRawSync(Buffer.from('hello zip'.repeat(100)));
    const p = writeZip(dir, 'sizes.bin', [
      { name: 'ok', data: small, method: 8, declaredSize: 900 },
      { name: 'short', data: small, method: 8, declaredSize: 901 },
      { name: 'forged', data: small, method: 8, declaredSize: 2 ** 31 },
      { name: 'stored', data: Uint8Array.of(1, 2, 3), declaredSize: 5 },
    ]);
    const file = await RangeFile.open(p);
    const zip = await ZipReader.open(file);
    const e = (n: string) => zip.entries.get(n)!;
    expect(Buffer.from(await zip.read(e('ok'))).toString()).toBe('hello zip'.repeat(100));
    await expect(zip.read(e('short'))).rejects.toThrow(/sizes\.bin: zip member 'short' inflates to 900 bytes, but its central directory entry declares 901/);
    await expect(zip.read(e('forged'))).rejects.toThrow(/zip member 'forged': the central directory declares 2147483648 bytes from \d+ compressed; deflate cannot expand more than 1032:1/);
    await expect(zip.read(e('stored'))).rejects.toThrow(/zip member 'stored' is stored, but the central directory declares 5 bytes and 3 compressed/);
    await file.close();
  });

  it('names a corrupt deflate stream', async () => {
    const p = writeZip(dir, 'corrupt.bin', [{ name: 'm', data: Uint8Array.of(0xff, 0xff, 0xff, 0xff), method: 8, declaredSize: 10 }]);
    const file = await RangeFile.open(p);
    const zip = await ZipReader.open(file);
    await expect(zip.read(zip.entries.get('m')!)).rejects.toThrow(/corrupt\.bin: zip member 'm': corrupt deflate stream/);
    await file.close();
  });
});
