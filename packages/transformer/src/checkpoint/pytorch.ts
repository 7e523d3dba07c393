/**
 * The PyTorch checkpoint reader for the zip format of `torch.save` (torch >= 1.6, what HF publishes as
 * `pytorch_model*.bin`): `<prefix>/data.pkl` (a pickled state dict) and `<prefix>/data/<key>` (raw storages).
 * The pickle runs in a restricted VM that accepts only tensor-rebuild and container globals.
 */
import { FormatError, sizeOf, stridesOf, type StorageDType } from '@crossedit/core';
import { BaseReader } from './base-reader.js';
import { STORAGE_BYTES, decodeFloats, isFloatStorage, notFloatError, readFloats } from './convert.js';
import { RangeFile } from './range-file.js';
import type { TensorEntry } from './types.js';
import { unpickle } from './unpickle.js';
import { ZipReader, type ZipEntry } from './zip.js';

/** `torch.<X>Storage` class names → storage dtypes. */
const STORAGE_CLASSES: Readonly<Record<string, StorageDType>> = {
  FloatStorage: 'f32',
  HalfStorage: 'f16',
  BFloat16Storage: 'bf16',
  DoubleStorage: 'f64',
  LongStorage: 'i64',
  IntStorage: 'i32',
  ShortStorage: 'i16',
  CharStorage: 'i8',
  ByteStorage: 'u8',
  BoolStorage: 'bool',
};

/**
 * The largest `data.pkl` accepted. A state dict's pickle holds names, shapes and storage keys only (about
 * 30 KB for a 7B model), so anything near this is not a state dict; the limit bounds what a forged archive
 * can make the reader inflate.
 */
export const MAX_PICKLE_BYTES = 64 << 20;

/** The globals the restricted unpickler accepts, as `module.name`. */
export const ALLOWED_PICKLE_GLOBALS: readonly string[] = [
  'collections.OrderedDict',
  'torch._utils._rebuild_tensor_v2',
  'torch._utils._rebuild_parameter',
  ...Object.keys(STORAGE_CLASSES).map((c) => `torch.${c}`),
];

class PickleGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
  get qualname(): string {
    return `${this.module}.${this.name}`;
  }
}

interface StorageRef {
  readonly key: string;
  readonly dtype: StorageDType;
  readonly numel: number;
  readonly member: ZipEntry;
}

class TensorRef {
  constructor(
    readonly storage: StorageRef,
    readonly offset: number,
    readonly shape: number[],
    readonly stride: number[],
  ) {}
}

interface PyTorchEntry extends TensorEntry {
  readonly dtype: StorageDType;
  readonly ref: TensorRef;
}

function isIntArray(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0);
}

/** Whether a (shape, stride) pair is row-major contiguous (size-1 dims may have any stride). */
function isContiguous(shape: readonly number[], stride: readonly number[]): boolean {
  const want = stridesOf(shape);
  return shape.every((d, i) => d <= 1 || stride[i] === want[i]);
}

/** Calls `f(outIndex, storageIndex)` for every element of a strided view, in row-major order. */
function forEachStrided(shape: readonly number[], stride: readonly number[], base: number, f: (i: number, src: number) => void): void {
  const n = sizeOf(shape);
  const nd = shape.length;
  const idx = new Array<number>(nd).fill(0);
  let src = base;
  for (let i = 0; i < n; i++) {
    f(i, src);
    for (let d = nd - 1; d >= 0; d--) {
      idx[d]++;
      src += stride[d];
      if (idx[d] < shape[d]) break;
      src -= stride[d] * shape[d];
      idx[d] = 0;
    }
  }
}

/** The most tensor names a state dict may give (dicts shared between several keys multiply them). */
export const MAX_STATE_DICT_NAMES = 1_000_000;

/**
 * The number of tensor names the nested dicts under `root` give, counted once per dict object (memoised by
 * identity, iteratively): a pickle of dicts shared 60 levels deep is counted in 60 steps, not 2^60, and refused
 * when its names pass {@link MAX_STATE_DICT_NAMES}; a dict that contains itself is refused with its path.
 */
function countNames(root: Map<unknown, unknown>, file: string, member: string): number {
  const done = new Map<Map<unknown, unknown>, number>();
  const onPath = new Set<Map<unknown, unknown>>([root]);
  interface Frame {
    map: Map<unknown, unknown>;
    path: string;
    items: IterableIterator<[unknown, unknown]>;
    sum: number;
  }
  const stack: Frame[] = [{ map: root, path: '', items: root.entries(), sum: 0 }];
  const tooMany = (path: string): never => {
    throw new FormatError(file, `${member}: the nested dicts give more than ${MAX_STATE_DICT_NAMES} tensor names (dicts shared between keys, at '${path || '<root>'}'); not a state dict`);
  };
  for (;;) {
    const f = stack[stack.length - 1];
    const next = f.items.next();
    if (next.done) {
      stack.pop();
      onPath.delete(f.map);
      done.set(f.map, f.sum);
      if (!stack.length) return f.sum;
      const parent = stack[stack.length - 1];
      parent.sum += f.sum;
      if (parent.sum > MAX_STATE_DICT_NAMES) tooMany(parent.path);
      continue;
    }
    const [k, v] = next.value;
    if (v instanceof TensorRef) f.sum++;
    else if (v instanceof Map) {
      const path = f.path ? `${f.path}.${String(k)}` : String(k);
      if (onPath.has(v)) {
        throw new FormatError(file, `${member}: the dict at '${path}' contains itself (a cycle through ${f.path ? `'${f.path}'` : 'the root'}); a state dict is a tree of dicts`);
      }
      const known = done.get(v);
      if (known !== undefined) f.sum += known;
      else {
        onPath.add(v);
        stack.push({ map: v, path, items: v.entries(), sum: 0 });
        continue;
      }
    }
    if (f.sum > MAX_STATE_DICT_NAMES) tooMany(f.path);
  }
}

/** A short description of a pickled value for error messages (bounded, safe on cyclic values). */
function describe(v: unknown, depth = 0): string {
  if (Array.isArray(v)) return depth > 1 ? '[...]' : `[${v.slice(0, 5).map((x) => describe(x, depth + 1)).join(', ')}${v.length > 5 ? ', ...' : ''}]`;
  if (v instanceof Map) return `{dict of ${v.size}}`;
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
  if (v instanceof PickleGlobal) return v.qualname;
  return String(v);
}

/** A single PyTorch zip checkpoint opened for range reads. */
export class PyTorchReader extends BaseReader<PyTorchEntry> {
  private constructor(
    path: string,
    private readonly file: RangeFile,
    private readonly zip: ZipReader,
  ) {
    super(path, 'pytorch', {});
  }

  /** Opens a `torch.save` zip archive and unpickles its state dict (no tensor data is read). */
  static async open(path: string): Promise<PyTorchReader> {
    const file = await RangeFile.open(path);
    try {
      let zip: ZipReader;
      try {
        zip = await ZipReader.open(file);
      } catch (e) {
        const head = await file.read(0, Math.min(2, file.size));
        if (head[0] === 0x80) {
          throw new FormatError(path, 'legacy (pre-1.6, non-zip) torch.save format is not supported; re-save it with a newer torch or convert to safetensors');
        }
        throw e;
      }
      const reader = new PyTorchReader(path, file, zip);
      await reader.load();
      return reader;
    } catch (e) {
      await file.close();
      throw e;
    }
  }

  private async load(): Promise<void> {
    const path = this.path;
    const pkl = [...this.zip.entries.values()].find((e) => /^[^/]+\/data\.pkl$/.test(e.name) || e.name === 'data.pkl');
    if (!pkl) throw new FormatError(path, 'no data.pkl member: not a torch.save zip archive');
    const prefix = pkl.name.slice(0, pkl.name.length - 'data.pkl'.length);
    const order = this.zip.entries.get(`${prefix}byteorder`);
    if (order) {
      const bo = new TextDecoder().decode(await this.zip.read(order, 64)).trim();
      if (bo !== 'little') throw new FormatError(path, `${prefix}byteorder is '${bo}'; only little-endian archives are supported`);
    }
    const storages = new Map<string, StorageRef>();
    const zip = this.zip;
    const root = unpickle(
      await zip.read(pkl, MAX_PICKLE_BYTES),
      {
        findClass(module, name) {
          const q = `${module}.${name}`;
          if (!ALLOWED_PICKLE_GLOBALS.includes(q)) {
            throw new FormatError(path, `${pkl.name}: forbidden global '${q}' in the pickle; only ${ALLOWED_PICKLE_GLOBALS.slice(0, 5).join(', ')}, ... are allowed (refusing to load)`);
          }
          return new PickleGlobal(module, name);
        },
        persistentLoad(pid) {
          if (!Array.isArray(pid) || pid.length < 5 || pid[0] !== 'storage') {
            throw new FormatError(path, `${pkl.name}: unsupported persistent id ${describe(pid)}; expected ('storage', class, key, location, numel)`);
          }
          const [, cls, key, , numel] = pid as [string, unknown, unknown, unknown, unknown];
          if (!(cls instanceof PickleGlobal) || !(cls.name in STORAGE_CLASSES) || typeof key !== 'string' || typeof numel !== 'number' || !Number.isSafeInteger(numel) || numel < 0) {
            throw new FormatError(path, `${pkl.name}: malformed storage persistent id ${describe(pid)}; expected ('storage', torch.<X>Storage, key string, location, numel >= 0)`);
          }
          let s = storages.get(key);
          if (!s) {
            const member = zip.entries.get(`${prefix}data/${key}`);
            if (!member) throw new FormatError(path, `storage '${key}' is referenced by ${pkl.name} but ${prefix}data/${key} is missing`);
            const dtype = STORAGE_CLASSES[cls.name];
            if (member.size < numel * STORAGE_BYTES[dtype]) {
              throw new FormatError(path, `storage '${key}' holds ${member.size} bytes, ${numel} × ${dtype} needs ${numel * STORAGE_BYTES[dtype]}`);
            }
            s = { key, dtype, numel, member };
            storages.set(key, s);
          }
          return s;
        },
        reduce(fn, args) {
          if (!(fn instanceof PickleGlobal)) throw new FormatError(path, `${pkl.name}: REDUCE of a non-callable`);
          switch (fn.qualname) {
            case 'collections.OrderedDict':
              return new Map();
            case 'torch._utils._rebuild_tensor_v2': {
              const [storage, offset, size, stride] = args;
              if (!storage || typeof storage !== 'object' || !('key' in storage) || typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0 || !isIntArray(size) || !isIntArray(stride) || size.length !== stride.length) {
                throw new FormatError(path, `${pkl.name}: malformed _rebuild_tensor_v2 arguments ${describe(args)}; expected (storage, offset >= 0, size, stride) with integer sizes and strides of one length`);
              }
              return new TensorRef(storage as StorageRef, offset, size, stride);
            }
            case 'torch._utils._rebuild_parameter':
              if (!(args[0] instanceof TensorRef)) throw new FormatError(path, `${pkl.name}: _rebuild_parameter of a non-tensor`);
              return args[0];
            default:
              throw new FormatError(path, `${pkl.name}: '${fn.qualname}' cannot be called`);
          }
        },
      },
      path,
      pkl.name,
    );
    if (!(root instanceof Map)) throw new FormatError(path, `${pkl.name}: the pickle is not a dict (state dict expected)`);
    this.collect(root, pkl.name);
  }

  /** Registers every tensor of the state dict (nested dicts give dotted names) after {@link countNames} checked the graph. */
  private collect(root: Map<unknown, unknown>, member: string): void {
    countNames(root, this.path, member);
    const todo: [Map<unknown, unknown>, string][] = [[root, '']];
    for (let item = todo.pop(); item; item = todo.pop()) {
      const [m, prefix] = item;
      for (const [k, v] of m) {
        const name = prefix + String(k);
        if (v instanceof TensorRef) this.addTensor(name, v);
        else if (v instanceof Map) todo.push([v, `${name}.`]);
      }
    }
  }

  private addTensor(name: string, ref: TensorRef): void {
    const n = sizeOf(ref.shape);
    if (n > ref.storage.numel) {
      // only a stride-0 (expanded) view has more elements than its storage; reading it would allocate all of them
      throw new FormatError(
        this.path,
        `tensor '${name}': view of shape [${ref.shape}] (stride [${ref.stride}]) has ${n} elements, more than its ${ref.storage.numel}-element storage; expanded (stride-0) views are not supported (save it with .contiguous())`,
      );
    }
    if (n > 0) {
      const last = ref.offset + ref.shape.reduce((a, d, i) => a + (d - 1) * ref.stride[i], 0);
      if (last >= ref.storage.numel) {
        throw new FormatError(this.path, `tensor '${name}': view (offset ${ref.offset}, shape [${ref.shape}], stride [${ref.stride}]) reaches element ${last} of a ${ref.storage.numel}-element storage`);
      }
    }
    this.entries.set(name, { name, dtype: ref.storage.dtype, shape: ref.shape, file: this.path, ref });
  }

  /** Reads storage elements [start, start+count) as raw bytes. */
  private async storageBytes(s: StorageRef, start: number, count: number, tensor: string): Promise<Uint8Array> {
    const es = STORAGE_BYTES[s.dtype];
    if (s.member.method !== 0) return (await this.zip.read(s.member)).subarray(start * es, (start + count) * es);
    return this.file.read((await this.zip.dataOffset(s.member)) + start * es, count * es, `tensor '${tensor}'`);
  }

  protected async readEntry(e: PyTorchEntry): Promise<Float32Array> {
    const { storage, offset, shape, stride } = e.ref;
    if (!isFloatStorage(storage.dtype)) throw notFloatError(this.path, e.name, storage.dtype);
    const n = sizeOf(shape);
    if (n === 0) return new Float32Array(0);
    if (isContiguous(shape, stride)) {
      if (storage.member.method === 0) {
        const base = await this.zip.dataOffset(storage.member);
        return readFloats(this.file, base + offset * STORAGE_BYTES[storage.dtype], storage.dtype, n, e.name);
      }
      const out = new Float32Array(n);
      decodeFloats(storage.dtype, await this.storageBytes(storage, offset, n, e.name), out, 0);
      return out;
    }
    const last = offset + shape.reduce((a, d, i) => a + (d - 1) * stride[i], 0);
    const span = new Float32Array(last - offset + 1);
    decodeFloats(storage.dtype, await this.storageBytes(storage, offset, span.length, e.name), span, 0);
    const out = new Float32Array(n);
    forEachStrided(shape, stride, 0, (i, src) => (out[i] = span[src]));
    return out;
  }

  protected override async span(e: PyTorchEntry): Promise<{ file: RangeFile; offset: number } | undefined> {
    const { storage, offset, shape, stride } = e.ref;
    if (storage.member.method !== 0 || !isContiguous(shape, stride)) return undefined;
    return { file: this.file, offset: (await this.zip.dataOffset(storage.member)) + offset * STORAGE_BYTES[storage.dtype] };
  }

  protected async readRawEntry(e: PyTorchEntry): Promise<Uint8Array> {
    const { storage, offset, shape, stride } = e.ref;
    const n = sizeOf(shape);
    const es = STORAGE_BYTES[storage.dtype];
    if (n === 0) return new Uint8Array(0);
    if (isContiguous(shape, stride)) {
      const b = await this.storageBytes(storage, offset, n, e.name);
      return storage.member.method === 0 ? b : b.slice();
    }
    const last = offset + shape.reduce((a, d, i) => a + (d - 1) * stride[i], 0);
    const span = await this.storageBytes(storage, offset, last - offset + 1, e.name);
    const out = new Uint8Array(n * es);
    forEachStrided(shape, stride, 0, (i, src) => out.set(span.subarray(src * es, src * es + es), i * es));
    return out;
  }

  async close(): Promise<void> {
    await this.file.close();
  }
}
