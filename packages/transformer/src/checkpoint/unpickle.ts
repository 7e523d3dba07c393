/**
 * A restricted pickle VM (protocols 2–5, the opcodes a state dict uses). It never imports or calls anything:
 * globals are resolved by a caller-supplied allow-list, and calls (REDUCE/NEWOBJ) go to a caller-supplied handler.
 */
import { FormatError } from '@crossedit/core';

/** What the torch reader plugs into the VM. */
export interface UnpickleHooks {
  /** Resolves `GLOBAL module name`; throws for anything not allow-listed. */
  findClass(module: string, name: string): unknown;
  /** `BINPERSID`: resolves a persistent id (torch storages). */
  persistentLoad(pid: unknown): unknown;
  /** `REDUCE` / `NEWOBJ`: applies an allow-listed callable to its argument tuple. */
  reduce(callable: unknown, args: unknown[]): unknown;
  /** `BUILD`: sets an object's state (ignored by default). */
  build?(obj: unknown, state: unknown): void;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

/**
 * Runs a pickle and returns its result. Dicts become `Map`s, tuples and lists arrays, `None` `null`,
 * ints `number` (`bigint` beyond 2^53), bytes `Uint8Array`.
 *
 * @param file the file named in error messages
 * @param member the pickle's name inside the file (e.g. `archive/data.pkl`), also for error messages
 */
export function unpickle(data: Uint8Array, hooks: UnpickleHooks, file: string, member = 'pickle'): unknown {
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let pos = 0;
  let stack: unknown[] = [];
  const metastack: unknown[][] = [];
  const memo = new Map<number, unknown>();

  const fail = (msg: string): never => {
    throw new FormatError(file, `${member}: ${msg} (at byte ${pos})`);
  };
  const need = (n: number): void => {
    if (n < 0 || pos + n > data.byteLength) fail(`truncated: need ${n} more bytes`);
  };
  const u8 = (): number => (need(1), data[pos++]);
  const u16 = (): number => (need(2), (pos += 2), dv.getUint16(pos - 2, true));
  const i32 = (): number => (need(4), (pos += 4), dv.getInt32(pos - 4, true));
  const u32 = (): number => (need(4), (pos += 4), dv.getUint32(pos - 4, true));
  const u64 = (): number => {
    need(8);
    const v = dv.getBigUint64(pos, true);
    pos += 8;
    if (v > BigInt(data.byteLength)) fail(`length ${v} exceeds the data`);
    return Number(v);
  };
  const bytes = (n: number): Uint8Array => {
    need(n);
    pos += n;
    return data.subarray(pos - n, pos);
  };
  const line = (): string => {
    const end = data.indexOf(0x0a, pos);
    if (end < 0) fail('unterminated line');
    const s = latin1.decode(data.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const pop = (): unknown => {
    if (!stack.length) fail('stack underflow');
    return stack.pop();
  };
  const top = (): unknown => {
    if (!stack.length) fail('stack underflow');
    return stack[stack.length - 1];
  };
  const popMark = (): unknown[] => {
    const items = stack;
    const prev = metastack.pop();
    if (!prev) fail('MARK expected');
    stack = prev!;
    return items;
  };
  const long = (b: Uint8Array): number | bigint => {
    if (!b.length) return 0;
    let v = 0n;
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    if (b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };
  // popMark() replaces `stack`, so evaluate it before touching the stack it returns to
  const pushMarked = (): void => {
    const items = popMark();
    stack.push(items);
  };
  const asMap = (o: unknown, op: string): Map<unknown, unknown> => {
    if (!(o instanceof Map)) fail(`${op} on a non-dict`);
    return o as Map<unknown, unknown>;
  };
  const asList = (o: unknown, op: string): unknown[] => {
    if (!Array.isArray(o)) fail(`${op} on a non-list`);
    return o as unknown[];
  };
  const str = (b: Uint8Array): string => {
    try {
      return utf8.decode(b);
    } catch {
      return fail('invalid UTF-8 string');
    }
  };

  for (;;) {
    const at = pos;
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) fail('unsupported pickle protocol');
        break;
      case 0x95: // FRAME
        u64();
        break;
      case 0x2e: // STOP
        return pop();
      case 0x28: // MARK
        metastack.push(stack);
        stack = [];
        break;
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x64: {
        // DICT
        const items = popMark();
        const m = new Map();
        for (let i = 0; i + 1 < items.length; i += 2) m.set(items[i], items[i + 1]);
        stack.push(m); // `stack` is the outer stack again here
        break;
      }
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x6c: // LIST
        pushMarked();
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push([]);
        break;
      case 0x74: // TUPLE
        pushMarked();
        break;
      case 0x85: // TUPLE1
        stack.push([pop()]);
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        stack.push([pop(), b]);
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        stack.push([pop(), b, c]);
        break;
      }
      case 0x61: {
        // APPEND
        const v = pop();
        asList(top(), 'APPEND').push(v);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        const list = asList(top(), 'APPENDS');
        for (const it of items) list.push(it); // not push(...items): a long MARK would overflow the call stack
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        asMap(top(), 'SETITEM').set(k, v);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        const m = asMap(top(), 'SETITEMS');
        for (let i = 0; i + 1 < items.length; i += 2) m.set(items[i], items[i + 1]);
        break;
      }
      case 0x4a: // BININT
        stack.push(i32());
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x8a: // LONG1
        stack.push(long(bytes(u8())));
        break;
      case 0x8b: {
        // LONG4
        const n = i32();
        if (n < 0) fail('negative LONG4 length');
        stack.push(long(bytes(n)));
        break;
      }
      case 0x47: // BINFLOAT (big-endian)
        need(8);
        stack.push(dv.getFloat64(pos, false));
        pos += 8;
        break;
      case 0x58: // BINUNICODE
        stack.push(str(bytes(u32())));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(str(bytes(u8())));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(str(bytes(u64())));
        break;
      case 0x54: {
        // BINSTRING
        const n = i32();
        if (n < 0) fail('negative BINSTRING length');
        stack.push(latin1.decode(bytes(n)));
        break;
      }
      case 0x55: // SHORT_BINSTRING
        stack.push(latin1.decode(bytes(u8())));
        break;
      case 0x42: // BINBYTES
        stack.push(bytes(u32()).slice());
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(bytes(u8()).slice());
        break;
      case 0x8e: // BINBYTES8
        stack.push(bytes(u64()).slice());
        break;
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: // BINGET
      case 0x6a: {
        // LONG_BINGET
        const idx = op === 0x68 ? u8() : u32();
        if (!memo.has(idx)) fail(`memo key ${idx} not found`);
        stack.push(memo.get(idx));
        break;
      }
      case 0x63: {
        // GLOBAL
        const module = line();
        const name = line();
        stack.push(hooks.findClass(module, name));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL needs two strings');
        stack.push(hooks.findClass(module as string, name as string));
        break;
      }
      case 0x51: // BINPERSID
        stack.push(hooks.persistentLoad(pop()));
        break;
      case 0x52: // REDUCE
      case 0x81: {
        // NEWOBJ
        const args = pop();
        const fn = pop();
        if (!Array.isArray(args)) fail('REDUCE arguments must be a tuple');
        stack.push(hooks.reduce(fn, args as unknown[]));
        break;
      }
      case 0x62: {
        // BUILD
        const state = pop();
        hooks.build?.(top(), state);
        break;
      }
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x30: // POP
        if (stack.length) stack.pop();
        else popMark();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      default:
        pos = at;
        fail(`unsupported opcode 0x${op.toString(16).padStart(2, '0')}${op >= 0x20 && op < 0x7f ? ` ('${String.fromCharCode(op)}')` : ''}; only state-dict opcodes are accepted`);
    }
  }
}
