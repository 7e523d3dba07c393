import { describe, expect, it } from 'vitest';
import { crc32 } from './checksum.js';

describe('crc32', () => {
  it('is the IEEE / zlib CRC-32 (check value of "123456789", empty input, one byte)', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
    expect(crc32(Uint8Array.from([0]))).toBe(0xd202ef8d);
  });
});
