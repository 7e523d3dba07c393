/** Compiled compute pipelines, keyed by WGSL source text, with explicit bind-group layouts. */

/** How each binding of a program is used, in binding order. */
export type BindingKind = 'read' | 'read_write' | 'uniform';

/** A cached pipeline and its bind-group layout. */
export interface CachedPipeline {
  readonly pipeline: GPUComputePipeline;
  readonly layout: GPUBindGroupLayout;
}

/** A cache of compute pipelines keyed by their full WGSL source (entry point `main`). */
export class PipelineCache {
  readonly #device: GPUDevice;
  readonly #pipelines = new Map<string, CachedPipeline>();
  readonly #layouts = new Map<string, GPUBindGroupLayout>();
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
      const layout = this.#layout(kinds);
      const module = this.#device.createShaderModule({ code: source, label });
      const pipeline = this.#device.createComputePipeline({
        layout: this.#device.createPipelineLayout({ bindGroupLayouts: [layout] }),
        compute: { module, entryPoint: 'main' },
        label,
      });
      p = { pipeline, layout };
      this.#pipelines.set(source, p);
      this.compiles++;
    }
    return p;
  }

  #layout(kinds: readonly BindingKind[]): GPUBindGroupLayout {
    const key = kinds.join(',');
    let l = this.#layouts.get(key);
    if (!l) {
      l = this.#device.createBindGroupLayout({
        entries: kinds.map((k, i) => ({
          binding: i,
          visibility: GPUShaderStage.COMPUTE,
          buffer: { type: k === 'uniform' ? 'uniform' : k === 'read' ? 'read-only-storage' : 'storage' },
        })),
      });
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
