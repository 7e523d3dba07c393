/**
 * A small writer of PyTorch `torch.save` zip archives (what HF publishes as `pytorch_model*.bin`), for tests:
 * a protocol-2 pickle of an `OrderedDict` of `torch._utils._rebuild_tensor_v2` calls over one storage per tensor,
 * and the raw storages, in an uncompressed ZIP with torch's `archive/` prefix and 64-byte aligned data.
 */
import { writeFileSync } from 'node:fs';
import { crc32, f32ToBf16, f32ToF16, sizeOf } from '@crossedit/core';


/** One tensor to write. */
export interface TorchTensor {
  name: string;
  shape: readonly number[];
  /** Stored dtype (torch `FloatStorage`, `HalfStorage`, `BFloat16Storage`). */
  dtype: 'f32' | 'f16' | 'bf16';
  data: ArrayLike<number>;
}

const STORAGE: Record<TorchTensor['dtype'], string> = { f32: 'FloatStorage', f16: 'HalfStorage', bf16: 'BFloat16Storage' };

class Pickler {
  readonly bytes: number[] = [];
  op(...b: number[]): this {
    this.bytes.push(...b);
    return this;
  }
  str(s: string): this {
    const b = new TextEncoder().encode(s);
    this.op(0x58, b.length & 0xff, (b.length >> 8) & 0xff, (b.length >> 16) & 0xff, b.length >>> 24); // BINUNICODE
    this.bytes.push(...b);
    return this;
  }
  int(v: number): this {
    return this.op(0x4a, v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff); // BININT
  }
  global(module: string, name: string): this {
    this.op(0x63); // GLOBAL
    this.bytes.push(...new TextEncoder().encode(`${module}\n${name}\n`));
    return this;
  }
  tuple(items: () => void): this {
    this.op(0x28); // MARK
    items();
    return this.op(0x74); // TUPLE
  }
}

function storageBytes(t: TorchTensor): Uint8Array {
  const n = sizeOf(t.shape);
  if (t.data.length !== n) throw new RangeError(`writeTorchBin: tensor '${t.name}' has ${t.data.length} values for shape [${t.shape}]`);
  if (t.dtype === 'f32') return new Uint8Array(Float32Array.from(t.data).buffer);
  const enc = t.dtype === 'f16' ? f32ToF16 : f32ToBf16;
  const out = new Uint16Array(n);
  for (let i = 0; i < n; i++) out[i] = enc(t.data[i]);
  return new Uint8Array(out.buffer);
}

/** The pickled state dict. */
function pickle(tensors: readonly TorchTensor[]): Uint8Array {
  const p = new Pickler().op(0x80, 2); // PROTO 2
  p.global('collections', 'OrderedDict').op(0x29, 0x52); // OrderedDict()
  p.op(0x28); // MARK
  tensors.forEach((t, i) => {
    const strides = t.shape.map((_, d) => t.shape.slice(d + 1).reduce((a, b) => a * b, 1));
    p.str(t.name);
    p.global('torch._utils', '_rebuild_tensor_v2');
    p.tuple(() => {
      p.tuple(() => p.str('storage').global('torch', STORAGE[t.dtype]).str(String(i)).str('cpu').int(sizeOf(t.shape)));
      p.op(0x51); // BINPERSID
      p.int(0);
      p.tuple(() => t.shape.forEach((d) => p.int(d)));
      p.tuple(() => strides.forEach((s) => p.int(s)));
      p.op(0x89); // False (requires_grad)
      p.global('collections', 'OrderedDict').op(0x29, 0x52); // backward hooks
    });
    p.op(0x52); // REDUCE
  });
  p.op(0x75, 0x2e); // SETITEMS, STOP
  return Uint8Array.from(p.bytes);
}

/** An uncompressed ZIP archive; member data is aligned to 64 bytes (as torch does) with a padding extra field. */
function zip(members: readonly { name: string; data: Uint8Array }[]): Uint8Array {
  const chunks: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  const enc = new TextEncoder();
  for (const m of members) {
    const name = enc.encode(m.name);
    const crc = crc32(m.data);
    const pad = (64 - ((offset + 30 + name.length + 4) % 64)) % 64;
    const extraLen = 4 + pad;
    const local = new Uint8Array(30 + name.length + extraLen);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true);
    lv.setUint32(14, crc, true);
    lv.setUint32(18, m.data.length, true);
    lv.setUint32(22, m.data.length, true);
    lv.setUint16(26, name.length, true);
    lv.setUint16(28, extraLen, true);
    local.set(name, 30);
    lv.setUint16(30 + name.length, 0x4654, true); // a private "padding" extra field, like torch's 'FB'
    lv.setUint16(32 + name.length, pad, true);
    const cd = new Uint8Array(46 + name.length);
    const cv = new DataView(cd.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 20, true);
    cv.setUint16(6, 20, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, m.data.length, true);
    cv.setUint32(24, m.data.length, true);
    cv.setUint16(28, name.length, true);
    cv.setUint32(42, offset, true);
    cd.set(name, 46);
    central.push(cd);
    chunks.push(local, m.data);
    offset += local.length + m.data.length;
  }
  const cdSize = central.reduce((a, c) => a + c.length, 0);
  const eocd = new Uint8Array(22);
  const ev = new DataView(eocd.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, members.length, true);
  ev.setUint16(10, members.length, true);
  ev.setUint32(12, cdSize, true);
  ev.setUint32(16, offset, true);
  const all = [...chunks, ...central, eocd];
  const out = new Uint8Array(all.reduce((a, c) => a + c.length, 0));
  let at = 0;
  for (const c of all) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/**
 * Writes tensors as a `torch.save` zip archive that `torch.load` and crossedit's `PyTorchReader` read.
 *
 * @example
 * ```ts
 * writeTorchBin('pytorch_model.bin', [{ name: 'w', shape: [2, 3], dtype: 'f16', data: [1, 2, 3, 4, 5, 6] }]);
 * ```
 */
export function writeTorchBin(path: string, tensors: readonly TorchTensor[]): void {
  const members = [
    { name: 'archive/data.pkl', data: pickle(tensors) },
    { name: 'archive/byteorder', data: new TextEncoder().encode('little') },
    ...tensors.map((t, i) => ({ name: `archive/data/${i}`, data: storageBytes(t) })),
    { name: 'archive/version', data: new TextEncoder().encode('3\n') },
  ];
  writeFileSync(path, zip(members));
}
