import { CPU_KERNELS } from '@crossedit/cpu';
const stats = new Map<string, { n: number; ms: number; flop: number }>();
const orig = CPU_KERNELS.MatMul;
(CPU_KERNELS as any).MatMul = (i: any, a: any, o: any) => {
  const t0 = performance.now();
  const r = orig(i, a, o);
  const ms = performance.now() - t0;
  const key = `${i.a.shape.join('x')}${a.transA ? 'T' : ''} @ ${i.b.shape.join('x')}${a.transB ? 'T' : ''}`;
  const s = stats.get(key) ?? { n: 0, ms: 0, flop: 0 };
  const ra = i.a.shape.length; const K = a.transA ? i.a.shape[ra - 2] : i.a.shape[ra - 1];
  s.n++; s.ms += ms; s.flop += 2 * K * o[0].shape.reduce((x: number, y: number) => x * y, 1);
  stats.set(key, s);
  return r;
};
const ks = new Map<string, number>();
for (const k of Object.keys(CPU_KERNELS)) { if (k === 'MatMul') continue; const f = (CPU_KERNELS as any)[k]; (CPU_KERNELS as any)[k] = (i: any, a: any, o: any) => { const t0 = performance.now(); const r = f(i, a, o); ks.set(k, (ks.get(k) ?? 0) + performance.now() - t0); return r; }; }
process.on('exit', () => {
  const rows = [...stats.entries()].sort((a, b) => b[1].ms - a[1].ms);
  let tot = 0; for (const [, s] of rows) tot += s.ms;
  console.log('matmul total ms', tot.toFixed(0));
  for (const [k, s] of rows.slice(0, 25)) console.log(k.padEnd(40), s.n, s.ms.toFixed(1), (s.flop / s.ms / 1e6).toFixed(2), 'GFLOP/s');
  console.log([...ks.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', '));
});
