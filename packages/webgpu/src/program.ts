/**
 * A program is a description of one compute shader: its storage bindings, its uniforms, its workgroup
 * size and its WGSL body. {@link buildProgram} assembles the full source (bindings first, then the
 * `Uniforms` struct at the next binding, then the body). Everything the code depends on must be in the
 * source, and everything that only changes values (sizes, strides) goes in uniforms.
 *
 * The backend caches one compiled program per `key` when a description has one (a short string the
 * kernel builds from what its code depends on: op, dtypes, rank...), and per source text otherwise.
 * With a key, a cached program is dispatched without assembling its source or laying out its
 * uniforms again; `body` may then be a function, called only on the first use of the key. A key must
 * determine the source completely; the backend's `checkProgramKeys` option verifies it (tests).
 */
import { layoutUniforms, type UniformField, type UniformLayout } from './uniforms.js';

/** Element types a storage binding may be declared with. */
export type BindingElem = 'f32' | 'f16' | 'i32' | 'u32' | 'vec4<f32>' | 'vec4<f16>' | 'atomic<u32>' | 'atomic<i32>';

/** One storage binding, in binding order. */
export interface BindingDecl {
  readonly name: string;
  readonly elem: BindingElem;
  readonly access: 'read' | 'read_write';
}

/** What a kernel describes. */
export interface ProgramDesc {
  /** Human-readable name (pipeline label and error messages). */
  readonly name: string;
  readonly bindings: readonly BindingDecl[];
  readonly uniforms: readonly UniformField[];
  /** WGSL after the declarations: helper functions and the `main` entry point (or a function giving it). */
  readonly body: string | (() => string);
  /** WGSL `enable` directives (e.g. `subgroups`); `f16` is added by {@link buildProgram} when a binding holds f16. */
  readonly enables?: readonly string[];
  /**
   * Optional cache key: descriptions with equal keys have the same source (bindings, uniform names and
   * types, body, enables); only uniform values differ. See the module comment.
   */
  readonly key?: string;
}

/** A program ready to dispatch: its source (the cache key) and uniform layout. */
export interface BuiltProgram {
  readonly name: string;
  readonly source: string;
  readonly layout: UniformLayout;
  readonly uniforms: readonly UniformField[];
  readonly bindingCount: number;
}

/** Assembles the WGSL source of a program. Uniforms are visible as `u.<name>`. */
export function buildProgram(desc: ProgramDesc): BuiltProgram {
  const layout = layoutUniforms(desc.uniforms);
  const lines: string[] = [];
  const enables = [...(desc.enables ?? [])];
  if (!enables.includes('f16') && desc.bindings.some((b) => b.elem.includes('f16'))) enables.unshift('f16');
  for (const e of enables) lines.push(`enable ${e};`);
  desc.bindings.forEach((b, i) => {
    lines.push(`@group(0) @binding(${i}) var<storage, ${b.access}> ${b.name}: array<${b.elem}>;`);
  });
  lines.push(layout.wgsl);
  lines.push(`@group(0) @binding(${desc.bindings.length}) var<uniform> u: Uniforms;`);
  lines.push(typeof desc.body === 'function' ? desc.body() : desc.body);
  return { name: desc.name, source: lines.join('\n'), layout, uniforms: desc.uniforms, bindingCount: desc.bindings.length };
}
