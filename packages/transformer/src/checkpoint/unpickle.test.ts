import { FormatError } from '@crossedit/core';
import { describe, expect, it } from 'vitest';
import { unpickle, type UnpickleHooks } from './unpickle.js';

const refuse: UnpickleHooks = {
  findClass: (m, n) => {
    throw new FormatError('t.pkl', `forbidden ${m}.${n}`);
  },
  persistentLoad: (pid) => ({ pid }),
  reduce: () => null,
};

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));

// Produced by CPython 3.11:
// pickle.dumps({'a': (1, -1, 300, 70000, 2**40, -2**70, 1.5, True, False, None, [1, 2], 'é', ())}, protocol=2)
const P2 =
  '80027d71005801000000617101284b014affffffff4d2c014a701101008a060000000000018a090000000000000000c0473ff800000000000088894e5d7102284b014b02655802000000c3a9710329747104732e';
// the same plus b'xy', protocol=4 (FRAME, SHORT_BINUNICODE, MEMOIZE, SHORT_BINBYTES)
const P4 =
  '8004954c000000000000007d948c016194284b014affffffff4d2c014a701101008a060000000000018a090000000000000000c0473ff800000000000088894e5d94284b014b02658c02c3a9942943027879947494732e';
// pickle.dumps([collections.OrderedDict([('k', 1)]), 'x'], protocol=2)
const OD = '80025d71002863636f6c6c656374696f6e730a4f726465726564446963740a71012952710258010000006b71034b01735801000000787104652e';

const VALUES = [1, -1, 300, 70000, 2 ** 40, -(2n ** 70n), 1.5, true, false, null, [1, 2], 'é', []];

describe('unpickle', () => {
  it('decodes the opcodes CPython emits at protocol 2', () => {
    const v = unpickle(hex(P2), refuse, 't.pkl') as Map<string, unknown>;
    expect(v).toBeInstanceOf(Map);
    expect(v.get('a')).toEqual(VALUES);
  });

  it('decodes protocol 4 (frames, memoize, short strings and bytes)', () => {
    const v = unpickle(hex(P4), refuse, 't.pkl') as Map<string, unknown>;
    expect(v.get('a')).toEqual([...VALUES, Uint8Array.of(0x78, 0x79)]);
  });

  it('resolves globals only through the hook and calls only through reduce', () => {
    const calls: string[] = [];
    const v = unpickle(
      hex(OD),
      {
        findClass: (m, n) => `${m}.${n}`,
        persistentLoad: () => null,
        reduce: (fn, args) => (calls.push(`${String(fn)}(${args.length})`), new Map()),
      },
      't.pkl',
    ) as unknown[];
    expect(calls).toEqual(['collections.OrderedDict(0)']);
    expect(v).toEqual([new Map([['k', 1]]), 'x']);
    expect(() => unpickle(hex(OD), refuse, 't.pkl')).toThrow(/forbidden collections\.OrderedDict/);
  });

  it('rejects unknown opcodes, truncation and stack underflow with the file and member named', () => {
    expect(() => unpickle(hex('8002' + '69'), refuse, 'f.bin', 'archive/data.pkl')).toThrow(/f\.bin: archive\/data\.pkl: unsupported opcode 0x69 \('i'\)/);
    expect(() => unpickle(hex(P2.slice(0, 40)), refuse, 'f.bin')).toThrow(/truncated/);
    expect(() => unpickle(hex('80022e'), refuse, 'f.bin')).toThrow(/stack underflow/);
    expect(() => unpickle(hex('8002680a2e'), refuse, 'f.bin')).toThrow(/memo key 10 not found/);
  });
});
