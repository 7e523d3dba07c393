/**
 * The f32 backend's kernel table: every reference host kernel, its float64 results rounded into a
 * `Float32Array` once per kernel (as an f32 device stores them), and f32-native kernels where the time
 * goes: MatMul (WebAssembly SIMD GEMM), Binary, Unary, Reduce (sum), Gather and ScatterAdd (row copies),
 * Rope and RmsNorm (the reference loops writing f32), the fused kernels (SwiGLU and its VJP in WebAssembly
 * SIMD, RmsNormGrad, SoftmaxGrad, SoftmaxNll with a SIMD float64 exp and its VJP from the kept
 * exponentials), AdamStep (WebAssembly SIMD float64, bit-identical), and Attention and its VJP (GEMMs
 * with a fused softmax pass between them). `KernelImpls` makes a missing kernel a compile error.
 */
import { normAxis, type BackendTensor, type KernelImpl, type KernelImpls, type KernelInputs, type KernelName } from '@crossedit/core';
import { HOST_KERNELS, type HostKernel } from '../kernels/index.js';
import { CpuStorage, checkIndex, splitAxis, type CpuArray, type HostTensor } from '../storage.js';
import { binaryF32 } from './binary.js';
import { unaryF32 } from './unary.js';
import { swigluGradImpl, swigluImpl } from '../kernels/SwiGLU.js';
import { rmsNormGradImpl, rmsNormImpl } from '../kernels/RmsNorm.js';
import { ropeImpl } from '../kernels/Rope.js';
import { softmaxGradImpl } from '../kernels/Softmax.js';
import { softmaxF32, softmaxNllF32, softmaxNllGradF32 } from './softmax.js';
import { softmaxNllImpl } from '../kernels/SoftmaxNll.js';
import { adamStepImpl } from '../kernels/AdamStep.js';
import { adamStepF32 } from './adam.js';
import { wasmExp } from './exp-wasm.js';
import { attentionDims } from '../kernels/Attention.js';
import { attentionF32, attentionGradF32 } from './attention.js';
import { WasmGemm } from './matmul.js';

/** The data of an f32-backend storage: `Float32Array` for `f32`, `Int32Array` for `i32`. */
export type F32Array = Float32Array | Int32Array;

/** The f32 backend's storage. */
export type F32Storage = CpuStorage<F32Array>;

function host(t: BackendTensor<F32Storage>): HostTensor {
  // the reference kernels only index their inputs, so Float32Array data reads like Float64Array data
  return { data: t.storage.data as unknown as CpuArray, shape: t.shape, dtype: t.dtype };
}

function toF32(d: CpuArray | Float32Array): F32Array {
  return d instanceof Float64Array ? Float32Array.from(d) : d;
}

/** A reference host kernel on f32 storages: inputs read as they are, f32 outputs rounded once. */
export function adaptF32<K extends KernelName>(kernel: HostKernel<K>): KernelImpl<K, F32Storage> {
  return (inputs, attrs, outputs) => {
    const hin: Record<string, HostTensor | HostTensor[]> = {};
    for (const [k, v] of Object.entries(inputs as Record<string, BackendTensor<F32Storage> | BackendTensor<F32Storage>[]>)) {
      hin[k] = Array.isArray(v) ? v.map(host) : host(v);
    }
    return kernel(hin as unknown as KernelInputs<K, HostTensor>, attrs, outputs).map((d) => new CpuStorage<F32Array>(toF32(d)));
  };
}

let acc = new Float64Array(256);

/**
 * The sum over the middle axis of `[outer, n, inner]` f32 data: float64 accumulation in index order (the
 * reference `Reduce` loop), one rounding per output.
 */
function sumAxisF32(x: Float32Array, outer: number, n: number, inner: number): Float32Array {
  const out = new Float32Array(outer * inner);
  if (inner === 1) {
    for (let a = 0; a < outer; a++) {
      let s = 0;
      const b = a * n;
      for (let k = 0; k < n; k++) s += x[b + k];
      out[a] = s;
    }
    return out;
  }
  if (acc.length < inner) acc = new Float64Array(inner);
  const t = acc;
  for (let a = 0; a < outer; a++) {
    t.fill(0, 0, inner);
    for (let k = 0; k < n; k++) {
      const xb = (a * n + k) * inner;
      for (let i = 0; i < inner; i++) t[i] += x[xb + i];
    }
    const ob = a * inner;
    for (let i = 0; i < inner; i++) out[ob + i] = t[i];
  }
  return out;
}

/** Builds the kernel table around one GEMM module instance. */
export function f32Kernels(gemm: WasmGemm): KernelImpls<F32Storage> {
  const table = Object.fromEntries(Object.entries(HOST_KERNELS).map(([k, f]) => [k, adaptF32(f as HostKernel<KernelName>)])) as unknown as {
    -readonly [K in KernelName]: KernelImpl<K, F32Storage>;
  };
  table.MatMul = ({ a, b }, { transA, transB }) => [
    new CpuStorage<F32Array>(gemm.matmul(a.storage.data as Float32Array, a.shape, b.storage.data as Float32Array, b.shape, transA, transB)),
  ];
  const refBinary = table.Binary;
  table.Binary = (inputs, attrs, outputs) => {
    const { a, b } = inputs;
    if (a.dtype !== 'f32' || outputs[0].dtype !== 'f32') return refBinary(inputs, attrs, outputs);
    const o = new Float32Array(outputs[0].shape.reduce((x, y) => x * y, 1));
    binaryF32(attrs.op, a.storage.data as Float32Array, a.shape, b.storage.data as Float32Array, b.shape, o, outputs[0].shape);
    return [new CpuStorage<F32Array>(o)];
  };
  const refReduce = table.Reduce;
  table.Reduce = (inputs, attrs, outputs) => {
    const xd = inputs.x.storage.data;
    if (attrs.op !== 'sum' || !(xd instanceof Float32Array) || outputs[0].dtype !== 'f32') return refReduce(inputs, attrs, outputs);
    const [outer, n, inner] = splitAxis(inputs.x.shape, normAxis(attrs.axis, inputs.x.shape.length, 'Reduce(sum)'));
    return [new CpuStorage<F32Array>(sumAxisF32(xd, outer, n, inner))];
  };
  const refUnary = table.Unary;
  table.Unary = (inputs, attrs, outputs) => {
    if (inputs.x.dtype !== 'f32' || outputs[0].dtype !== 'f32') return refUnary(inputs, attrs, outputs);
    const o = new Float32Array(inputs.x.storage.data.length);
    unaryF32(attrs.op, inputs.x.storage.data as Float32Array, o);
    return [new CpuStorage<F32Array>(o)];
  };
  table.SwiGLU = ({ gate, up }) => {
    const o = new Float32Array(gate.storage.data.length);
    const [g, u] = [gate.storage.data, up.storage.data];
    if (g instanceof Float32Array && u instanceof Float32Array) wasmExp().swiglu(g, u, o, (i) => swigluImpl(g.subarray(i), u.subarray(i), o.subarray(i)));
    else swigluImpl(g, u, o);
    return [new CpuStorage<F32Array>(o)];
  };
  table.SwiGLUGrad = ({ dy, gate, up }) => {
    const n = gate.storage.data.length;
    const dg = new Float32Array(n);
    const du = new Float32Array(n);
    const [d, g, u] = [dy.storage.data, gate.storage.data, up.storage.data];
    if (d instanceof Float32Array && g instanceof Float32Array && u instanceof Float32Array) {
      wasmExp().swigluGrad(d, g, u, dg, du, (i) => swigluGradImpl(d.subarray(i), g.subarray(i), u.subarray(i), dg.subarray(i), du.subarray(i)));
    } else swigluGradImpl(d, g, u, dg, du);
    return [new CpuStorage<F32Array>(dg), new CpuStorage<F32Array>(du)];
  };
  table.RmsNormGrad = ({ dy, x, weight }, { eps }, [ox, or]) => {
    const d = x.shape[x.shape.length - 1];
    const dx = new Float32Array(x.storage.data.length);
    const r = new Float32Array(or.shape.reduce((a, b) => a * b, 1));
    if (d > 0) rmsNormGradImpl(dy.storage.data, x.storage.data, weight.storage.data, eps, d, dx, r);
    else r.fill(1 / Math.sqrt(eps));
    void ox;
    return [new CpuStorage<F32Array>(dx), new CpuStorage<F32Array>(r)];
  };
  table.Softmax = ({ x }) => {
    const y = new Float32Array(x.storage.data.length);
    const n = x.shape[x.shape.length - 1];
    if (n > 0) softmaxF32(x.storage.data as Float32Array, y, n);
    return [new CpuStorage<F32Array>(y)];
  };
  table.SoftmaxGrad = ({ dy, y }) => {
    const dx = new Float32Array(y.storage.data.length);
    const n = y.shape[y.shape.length - 1];
    if (n > 0) softmaxGradImpl(dy.storage.data, y.storage.data, dx, n);
    return [new CpuStorage<F32Array>(dx)];
  };
  table.SoftmaxNll = ({ logits, targets }) => {
    const out = new Float32Array(targets.storage.data.length);
    const x = logits.storage.data;
    const n = logits.shape[logits.shape.length - 1];
    if (x instanceof Float32Array && targets.storage.data instanceof Int32Array) softmaxNllF32(x, targets.storage.data, out, n);
    else softmaxNllImpl(x, targets.storage.data, out, n);
    return [new CpuStorage<F32Array>(out)];
  };
  table.SoftmaxNllGrad = ({ dy, logits, targets }) => {
    const dx = new Float32Array(logits.storage.data.length);
    softmaxNllGradF32(dy.storage.data as Float32Array, logits.storage.data as Float32Array, targets.storage.data as Int32Array, dx, logits.shape[logits.shape.length - 1]);
    return [new CpuStorage<F32Array>(dx)];
  };
  // row copies and (unique ids) row writes in the storage's own layout; repeated ids take the
  // reference's float64 sums
  const refGather = table.Gather;
  table.Gather = (inputs, attrs, outputs) => {
    const { table: t, ids } = inputs;
    const src = t.storage.data;
    if (!(src instanceof Float32Array)) return refGather(inputs, attrs, outputs);
    const [V, D] = t.shape;
    const idd = ids.storage.data;
    const out = new Float32Array(idd.length * D);
    for (let n = 0; n < idd.length; n++) {
      const id = idd[n];
      checkIndex('Gather', 'ids', id, n, V);
      out.set(src.subarray(id * D, id * D + D), n * D);
    }
    return [new CpuStorage<F32Array>(out)];
  };
  const refScatter = table.ScatterAdd;
  table.ScatterAdd = (inputs, attrs, outputs) => {
    const { updates, ids } = inputs;
    const { numRows } = attrs;
    const idd = ids.storage.data;
    const seen = new Uint8Array(numRows);
    for (let n = 0; n < idd.length; n++) {
      const id = idd[n];
      checkIndex('ScatterAdd', 'ids', id, n, numRows);
      if (seen[id]) return refScatter(inputs, attrs, outputs);
      seen[id] = 1;
    }
    const D = updates.shape[updates.shape.length - 1];
    const u = updates.storage.data as Float32Array;
    const out = new Float32Array(numRows * D);
    for (let n = 0; n < idd.length; n++) out.set(u.subarray(n * D, n * D + D), idd[n] * D);
    return [new CpuStorage<F32Array>(out)];
  };
  table.RmsNorm = ({ x, weight }, { eps }) => {
    // the reference arithmetic (float64 per row), each result rounded once as it is stored
    const out = new Float32Array(x.storage.data.length);
    const d = x.shape[x.shape.length - 1];
    if (d > 0) rmsNormImpl(x.storage.data, weight.storage.data, eps, out, d);
    return [new CpuStorage<F32Array>(out)];
  };
  table.Rope = ({ x, positions }, { base, inverse }) => {
    // the reference arithmetic (float64 per element), each result rounded once as it is stored
    const out = new Float32Array(x.storage.data.length);
    ropeImpl(x.storage.data, positions.storage.data, x.shape, base, inverse, out);
    return [new CpuStorage<F32Array>(out)];
  };
  table.Attention = ({ q, k, v, bias }, { scale, causal }) => {
    const dims = attentionDims(q.shape, k.shape, bias.shape, scale, causal);
    return [new CpuStorage<F32Array>(attentionF32(gemm, q.storage.data as Float32Array, k.storage.data as Float32Array, v.storage.data as Float32Array, bias.storage.data as Float32Array, dims))];
  };
  table.AttentionGrad = ({ dy, q, k, v, bias }, { scale, causal }) => {
    const dims = attentionDims(q.shape, k.shape, bias.shape, scale, causal);
    const f = (t: BackendTensor<F32Storage>) => t.storage.data as Float32Array;
    return attentionGradF32(gemm, f(dy), f(q), f(k), f(v), f(bias), dims).map((d) => new CpuStorage<F32Array>(d));
  };
  table.AdamStep = ({ param, grad, m, v }, attrs) => {
    const n = param.storage.data.length;
    const out = [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
    const [pd, gd, md, vd] = [param, grad, m, v].map((t) => t.storage.data);
    if (pd instanceof Float32Array && gd instanceof Float32Array && md instanceof Float32Array && vd instanceof Float32Array) adamStepF32(pd, gd, md, vd, attrs, out[0], out[1], out[2]);
    else adamStepImpl(pd, gd, md, vd, attrs, out[0], out[1], out[2]);
    return out.map((d) => new CpuStorage<F32Array>(d));
  };
  return table;
}
