/** Bad input gets an error that names the op, the tensors and what was expected. */
import { add, BackendUnavailableError, DisposedError, gather, matmul, rmsNorm, ShapeError, tensor, zeros } from '@crossedit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebGpuBackend, type WebGpuBackend } from './index.js';

let gpu: WebGpuBackend;
beforeAll(async () => {
  gpu = await createWebGpuBackend();
});
afterAll(() => gpu?.dispose());

const t = (shape: number[], dtype: 'f32' | 'i32' = 'f32') => tensor(new Float32Array(shape.reduce((a, b) => a * b, 1)), shape, { backend: gpu, dtype });

describe('errors', () => {
  it('mismatched shapes name the op and both shapes', () => {
    expect(() => add(t([2, 3]), t([4]))).toThrow(ShapeError);
    expect(() => add(t([2, 3]), t([4]))).toThrow(/Binary\(add\).*\[2,3\].*\[4\]/);
    expect(() => matmul(t([2, 3]), t([4, 5]))).toThrow(/MatMul: inner dimensions differ: 3 vs 4.*\[2,3\].*\[4,5\]/);
    expect(() => rmsNorm(t([2, 3]), t([4]), 1e-5)).toThrow(/RmsNorm: weight must be \[3\]/);
  });

  it('wrong dtypes name the input', () => {
    expect(() => gather(t([4, 2]), t([3]))).toThrow(/Gather: input 'ids' must be i32, got f32/);
    expect(() => matmul(t([2, 2], 'i32'), t([2, 2]))).toThrow(/MatMul: input 'a' must be f32/);
  });

  it('use after dispose names the tensor', async () => {
    const x = t([2, 2]);
    x.dispose();
    expect(() => add(x, x)).toThrow(DisposedError);
    expect(() => add(x, x)).toThrow(/f32\[2,2\].*used after dispose/);
  });

  it('a tensor whose one row passes the binding limit fails clearly instead of corrupting memory', () => {
    // (larger tensors are row-sharded by the engine: shard.test.ts)
    const limit = gpu.caps.maxBindingBytes;
    const cols = limit / 4 + 1;
    expect(() => zeros([1, cols], { backend: gpu })).toThrow(ShapeError);
    expect(() => zeros([1, cols], { backend: gpu })).toThrow(new RegExp(`f32\\[1,${cols}\\].*maxStorageBufferBindingSize`));
    expect(() => zeros([cols], { backend: gpu })).toThrow(/maxStorageBufferBindingSize/);
  });

  it('a storage freed twice, or a backend used after dispose, throws', async () => {
    const other = await createWebGpuBackend();
    const s = other.upload(new Float32Array([1, 2]), [2], 'f32');
    other.free(s);
    expect(() => other.free(s)).toThrow(/freed twice/);
    other.dispose();
    expect(() => other.upload(new Float32Array([1]), [1], 'f32')).toThrow(/used after dispose/);
  });

  it('device errors surface on the next read with the message', async () => {
    // a deliberately broken program: the binding count does not match the storages
    const y = gpu.alloc({ shape: [4], dtype: 'f32' });
    expect(() => gpu.dispatch({ name: 'Broken', bindings: [], uniforms: [], body: '@compute @workgroup_size(1) fn main() {}' }, [y], [1, 1, 1])).toThrow(/Broken: 1 storages for 0 bindings/);
    gpu.dispatch({ name: 'BadWgsl', bindings: [{ name: 'Y', elem: 'f32', access: 'read_write' }], uniforms: [], body: '@compute @workgroup_size(1) fn main() { Y[0] = undefined_thing; }' }, [y], [1, 1, 1]);
    await expect(gpu.read(y, { shape: [4], dtype: 'f32' })).rejects.toThrow(/device error.*undefined_thing/s);
    gpu.free(y);
  });

  it('BackendUnavailableError is what core exports', () => {
    expect(new BackendUnavailableError('x')).toBeInstanceOf(Error);
  });
});
