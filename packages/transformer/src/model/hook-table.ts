/** Internal: dispatches hooks to the points of the forward pass. */
import { ShapeError, fmtShape, shapesEqual, type Hook, type ModelConfig, type ModuleRef, type Tensor } from '@crossedit/core';

const LAYERED = new Set(['layer', 'attn', 'mlp', 'mlp.gate', 'mlp.up', 'mlp.down']);

/** A printable form of a module reference, e.g. `mlp.down[5]`. */
export function refToString(ref: ModuleRef): string {
  return 'layer' in ref ? `${ref.kind}[${ref.layer}]` : ref.kind;
}

function keyOf(ref: ModuleRef, io: 'input' | 'output'): string {
  return `${ref.kind}:${'layer' in ref ? ref.layer : ''}:${io}`;
}

/** The hooks of one forward call, grouped by (module, io), in the order given. @internal */
export class HookTable {
  readonly #byKey = new Map<string, Hook[]>();

  constructor(hooks: readonly Hook[] | undefined, config: ModelConfig) {
    for (const h of hooks ?? []) {
      const io = h.io ?? 'output';
      const ref = h.ref;
      if (LAYERED.has(ref.kind)) {
        const layer = (ref as { layer: number }).layer;
        if (!Number.isInteger(layer) || layer < 0 || layer >= config.numLayers) {
          throw new RangeError(`hook ${refToString(ref)}: layer out of range [0, ${config.numLayers})`);
        }
      } else if (!['embed', 'final', 'logits'].includes(ref.kind)) {
        throw new RangeError(`hook: unknown module kind '${(ref as { kind: string }).kind}'`);
      }
      if (ref.kind === 'embed' && io === 'input') throw new RangeError('hook embed: has no tensor input (its input is the ids); use io "output"');
      if (io !== 'input' && io !== 'output') throw new RangeError(`hook ${refToString(ref)}: io must be 'input' or 'output', got '${String(io)}'`);
      const k = keyOf(ref, io);
      const list = this.#byKey.get(k) ?? [];
      list.push(h);
      this.#byKey.set(k, list);
    }
  }

  /** Whether any hook listens at this point. */
  has(ref: ModuleRef, io: 'input' | 'output'): boolean {
    return this.#byKey.has(keyOf(ref, io));
  }

  /** Runs the hooks at a point in order; each may replace the tensor (same shape). */
  run(ref: ModuleRef, io: 'input' | 'output', x: Tensor): Tensor {
    const list = this.#byKey.get(keyOf(ref, io));
    if (!list) return x;
    let cur = x;
    for (const h of list) {
      const r = h.fn(cur);
      if (r === undefined || r === null) continue;
      if (!shapesEqual(r.shape, cur.shape) || r.dtype !== cur.dtype) {
        throw new ShapeError(
          `hook ${refToString(ref)} (${io}) returned ${r.dtype}${fmtShape(r.shape)}, expected a replacement of ${cur.dtype}${fmtShape(cur.shape)}`,
        );
      }
      cur = r;
    }
    return cur;
  }
}
