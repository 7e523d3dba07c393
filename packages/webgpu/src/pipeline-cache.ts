/**
 * Compiled compute pipelines with explicit bind-group layouts, keyed by the WGSL source (the backend
 * puts its program-key map in front, see `program.ts`). Layouts are shared by programs with the same binding kinds and
 * carry a small id (bind-group cache keys).
 */

/** How each binding of a program is used, in binding order. */
export type BindingKind = 'read' | 'read_write' | 'uniform';

/** A cached pipeline and its bind-group layout. */
export interface CachedPipeline {
  readonly pipeline: GPUComputePipeline;
  readonly layout: GPUBindGroupLayout;
  /** Small integer naming `layout` (for bind-group cache keys). */
  readonly layoutId: number;
}

/** A cache of compute pipelines (entry point `main`). */
export class PipelineCache {
  readonly #device: GPUDevice;
  readonly #pipelines = new Map<string, CachedPipeline>();
  readonly #layouts = new Map<string, { layout: GPUBindGroupLayout; id: number }>();
  /** Number of compilations (cache misses). */
  compiles = 0;

  constructor(device: GPUDevice) {
    this.#device = device;
  }

  /**
   * The pipeline for `source`, compiled on first use. Layouts are explicit (not `'auto'`), so a binding
   * the shader happens not to use is still accepted.
   */
  get(source: string, label: string, kinds: readonly BindingKind[]): CachedPipeline {
    let p = this.#pipelines.get(source);
    if (!p) {
      const { layout, id } = this.#layout(kinds);
      const module = this.#device.createShaderModule({ code: source, label });
      const pipeline = this.#device.createComputePipeline({
        layout: this.#device.createPipelineLayout({ bindGroupLayouts: [layout] }),
        compute: { module, entryPoint: 'main' },
        label,
      });
      p = { pipeline, layout, layoutId: id };
      this.#pipelines.set(source, p);
      this.compiles++;
    }
    return p;
  }

  #layout(kinds: readonly BindingKind[]): { layout: GPUBindGroupLayout; id: number } {
    const key = kinds.join(',');
    let l = this.#layouts.get(key);
    if (!l) {
      const layout = this.#device.createBindGroupLayout({
        entries: kinds.map((k, i) => ({
          binding: i,
          visibility: GPUShaderStage.COMPUTE,
          buffer: { type: k === 'uniform' ? ('uniform' as const) : k === 'read' ? ('read-only-storage' as const) : ('storage' as const) },
        })),
      });
      l = { layout, id: this.#layouts.size + 1 };
      this.#layouts.set(key, l);
    }
    return l;
  }

  /** Number of cached pipelines. */
  get size(): number {
    return this.#pipelines.size;
  }

  /** Forgets every pipeline. */
  clear(): void {
    this.#pipelines.clear();
    this.#layouts.clear();
  }
}
