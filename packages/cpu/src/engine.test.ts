import { describe, expect, it } from 'vitest';
import {
  add, DisposedError, gather, matmul, memory, mul, rmsNorm, setBackend, ShapeError, softmax, sum, tensor, tidy, valueAndGrads,
} from '@crossedit/core';
import { createCpuBackend, CpuBackend } from './index.js';

const cpu = createCpuBackend();
setBackend(cpu);

describe('the CPU backend through the engine', () => {
  it('counts 8 bytes per f32 element and 4 per i32 element, and frees them', () => {
    const base = cpu.memory();
    const f = tensor([1, 2, 3, 4, 5]);
    const i = tensor([1, 2, 3], [3], { dtype: 'i32' });
    expect(cpu.memory().bytesInUse - base.bytesInUse).toBe(5 * 8 + 3 * 4);
    expect(cpu.memory().storages - base.storages).toBe(2);
    f.dispose();
    i.dispose();
    expect(cpu.memory()).toEqual(base);
    expect(cpu.memory().bytesPooled).toBe(0);
  });

  it('returns memory to baseline after tidy(), including a gradient computation', async () => {
    const w = tensor([0.1, -0.2, 0.3, 0.4, 0.5, -0.6], [3, 2]);
    const x = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
    const before = memory();
    const s = tidy(() => {
      const y = softmax(matmul(x, w));
      return sum(mul(y, add(y, 1)));
    });
    expect(memory().tensors).toBe(before.tensors + 1);
    s.dispose();
    tidy(() => {
      const { value, grads } = valueAndGrads(() => sum(rmsNorm(matmul(x, w), tensor([1, 2]), 1e-6)), [w]);
      expect(grads[0].shape).toEqual([3, 2]);
      return value;
    }).dispose();
    expect(memory()).toEqual(before);
    expect(memory().backend).toEqual(before.backend);
  });

  it('upload and read copy their data', async () => {
    const src = Float64Array.of(1, 2, 3);
    const t = tensor(src, [3]);
    src[0] = 99;
    const d = await t.data();
    expect(Array.from(d)).toEqual([1, 2, 3]);
    d[1] = 42;
    expect(Array.from(await t.data())).toEqual([1, 2, 3]);
    const f32 = tensor(Float32Array.of(0.5, 1.5));
    expect((await f32.data()) instanceof Float64Array).toBe(true);
    await cpu.sync();
  });

  it('throws DisposedError on use after dispose', async () => {
    const t = tensor([1, 2]);
    t.dispose();
    expect(() => add(t, t)).toThrow(DisposedError);
    await expect(t.data()).rejects.toThrow(DisposedError);
    const s = cpu.upload(Float64Array.of(1), [1], 'f32');
    cpu.free(s);
    cpu.free(s); // idempotent
    expect(() => cpu.run('Unary', { x: { storage: s, shape: [1], dtype: 'f32' } }, { op: 'neg' }, [{ shape: [1], dtype: 'f32' }])).toThrow(DisposedError);
  });

  it('throws ShapeError naming the op and the shapes', () => {
    const a = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
    expect(() => matmul(a, tensor([1, 2, 3, 4], [2, 2]))).toThrow(ShapeError);
    expect(() => matmul(a, tensor([1, 2, 3, 4], [2, 2]))).toThrow(/MatMul.*\[2,3\]:f32.*\[2,2\]:f32/);
    expect(() => rmsNorm(a, tensor([1, 2]), 1e-6)).toThrow(/RmsNorm: weight must be \[3\].*\[2,3\].*\[2\]/);
    expect(() => gather(a, tensor([0]))).toThrow(/Gather: input 'ids' must be i32/);
    expect(() => gather(tensor([1, 2], [2, 1]), tensor([2], [1], { dtype: 'i32' }))).toThrow(RangeError);
  });

  it('a disposed backend refuses work', () => {
    const b = new CpuBackend();
    b.upload(Int32Array.of(1, 2), [2], 'i32');
    expect(b.memory()).toEqual({ bytesInUse: 8, bytesPooled: 0, storages: 1 });
    b.dispose();
    expect(b.memory().storages).toBe(0);
    expect(() => b.upload(Int32Array.of(1), [1], 'i32')).toThrow(/after dispose/);
  });
});
