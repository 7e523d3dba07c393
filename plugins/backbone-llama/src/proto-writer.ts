/** A minimal protobuf (proto2) encoder: just what building a SentencePiece `ModelProto` needs. */

const enc = new TextEncoder();

/** Appends protobuf fields to a growing byte buffer. */
export class ProtoWriter {
  #parts: Uint8Array[] = [];
  #length = 0;

  #push(b: Uint8Array): void {
    this.#parts.push(b);
    this.#length += b.byteLength;
  }

  #varint(v: bigint): void {
    let x = BigInt.asUintN(64, v);
    const out: number[] = [];
    do {
      let byte = Number(x & 0x7fn);
      x >>= 7n;
      if (x !== 0n) byte |= 0x80;
      out.push(byte);
    } while (x !== 0n);
    this.#push(Uint8Array.from(out));
  }

  #tag(field: number, wire: number): void {
    this.#varint(BigInt((field << 3) | wire));
  }

  /** An `int32`, `bool` or enum field (negative values take ten bytes, as protobuf's int32 does). */
  int(field: number, v: number | boolean): this {
    this.#tag(field, 0);
    this.#varint(BigInt(typeof v === 'boolean' ? (v ? 1 : 0) : v));
    return this;
  }

  /** A `float` field (fixed32). */
  float(field: number, v: number): this {
    this.#tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.#push(b);
    return this;
  }

  /** A `bytes` or embedded-message field. */
  bytes(field: number, b: Uint8Array): this {
    this.#tag(field, 2);
    this.#varint(BigInt(b.byteLength));
    this.#push(b);
    return this;
  }

  /** A `string` field (UTF-8). */
  string(field: number, s: string): this {
    return this.bytes(field, enc.encode(s));
  }

  /** An embedded message. */
  message(field: number, m: ProtoWriter): this {
    return this.bytes(field, m.finish());
  }

  /** The encoded bytes. */
  finish(): Uint8Array {
    const out = new Uint8Array(this.#length);
    let at = 0;
    for (const p of this.#parts) {
      out.set(p, at);
      at += p.byteLength;
    }
    return out;
  }
}
