/** Writes pickle opcodes by hand for tests (protocol 2), including graphs CPython's pickler would emit. */

/** A byte-level pickle writer; every method appends one or a few opcodes. */
export class PickleBuilder {
  private readonly bytes: number[] = [0x80, 2]; // PROTO 2

  /** Raw opcode bytes. */
  op(...b: number[]): this {
    this.bytes.push(...b);
    return this;
  }
  /** BINUNICODE. */
  str(s: string): this {
    const b = new TextEncoder().encode(s);
    this.op(0x58, b.length & 0xff, (b.length >> 8) & 0xff, (b.length >> 16) & 0xff, b.length >>> 24);
    this.bytes.push(...b);
    return this;
  }
  /** BININT. */
  int(v: number): this {
    return this.op(0x4a, v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff);
  }
  /** EMPTY_DICT. */
  dict(): this {
    return this.op(0x7d);
  }
  /** LONG_BINPUT: memoises the top of the stack. */
  put(i: number): this {
    return this.op(0x72, i & 0xff, (i >> 8) & 0xff, (i >> 16) & 0xff, i >>> 24);
  }
  /** LONG_BINGET: pushes a memoised object. */
  get(i: number): this {
    return this.op(0x6a, i & 0xff, (i >> 8) & 0xff, (i >> 16) & 0xff, i >>> 24);
  }
  /** SETITEM: `top[key] = value` for the two items pushed last. */
  setitem(): this {
    return this.op(0x73);
  }
  /** STOP, and the bytes. */
  end(): Uint8Array {
    this.bytes.push(0x2e);
    return Uint8Array.from(this.bytes);
  }
}
