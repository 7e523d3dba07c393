/** Shape arithmetic shared by kernel specs, backends and ops. */

/** A tensor shape: a list of non-negative integer extents. */
export type Shape = readonly number[];

/** Number of elements of a shape (1 for a scalar). */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides of a shape. */
export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** Whether two shapes are equal. */
export function shapesEqual(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Formats a shape for error messages, e.g. `[2,3]`. */
export function fmtShape(shape: Shape): string {
  return `[${shape.join(',')}]`;
}

/** Numpy-style broadcast of two shapes, or `null` when they do not broadcast. */
export function broadcastShapes(a: Shape, b: Shape): number[] | null {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da === db || db === 1) out[i] = da;
    else if (da === 1) out[i] = db;
    else return null;
  }
  return out;
}

/** Normalizes a possibly negative axis against a rank, or throws. */
export function normAxis(axis: number, rank: number, op: string): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) {
    throw new RangeError(`${op}: axis ${axis} is out of range for rank ${rank}`);
  }
  return a;
}

/**
 * Strides of `inShape` as seen from an output of `outShape` under broadcasting: a broadcast
 * dimension gets stride 0. `inShape` is right-aligned against `outShape`.
 */
export function broadcastStrides(inShape: Shape, outShape: Shape): number[] {
  const st = stridesOf(inShape);
  const off = outShape.length - inShape.length;
  return outShape.map((d, i) => (i < off || inShape[i - off] === 1 ? 0 : st[i - off]));
}
