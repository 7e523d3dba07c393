/** The part of the WebAssembly JS API the f32 kernels use (the project's TS libs do not declare it). */

/** A WebAssembly memory. */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

interface WasmApi {
  Memory: new (d: { initial: number }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (m: object, imports: object) => { exports: Record<string, unknown> };
}

/**
 * Instantiates a module that imports its memory as `env.memory`, with a fresh memory of `pages` 64 KiB
 * pages; returns the memory and the exports.
 * @throws Error when the runtime has no WebAssembly.
 */
export function instantiate(bytes: Uint8Array, pages: number): { mem: WasmMemory; exports: Record<string, unknown> } {
  const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
  if (!wasm) throw new Error('cpu-f32 backend: this JavaScript runtime has no WebAssembly');
  const mem = new wasm.Memory({ initial: pages });
  const inst = new wasm.Instance(new wasm.Module(bytes), { env: { memory: mem } });
  return { mem, exports: inst.exports };
}
