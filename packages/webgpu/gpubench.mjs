import { create, globals } from 'webgpu';
Object.assign(globalThis, globals);
const gpu = create([]);
const adapter = await gpu.requestAdapter();
console.log(adapter.info ?? '');
const device = await adapter.requestDevice({ requiredLimits: { maxComputeInvocationsPerWorkgroup: adapter.limits.maxComputeInvocationsPerWorkgroup, maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize } });
const M = Number(process.argv[2] ?? 512), N = Number(process.argv[3] ?? 768), K = Number(process.argv[4] ?? 256);
const code = `
@group(0) @binding(0) var<storage, read> A: array<f32>;
@group(0) @binding(1) var<storage, read> B: array<f32>;
@group(0) @binding(2) var<storage, read_write> C: array<f32>;
const TS = 16u;
var<workgroup> As: array<array<f32, 16>, 64>;
var<workgroup> Bs: array<array<f32, 64>, 16>;
@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let M = ${M}u; let N = ${N}u; let K = ${K}u;
  let row0 = wg.y * 64u; let col0 = wg.x * 64u;
  var acc: array<array<f32, 4>, 4>;
  for (var k0 = 0u; k0 < K; k0 = k0 + 16u) {
    for (var r = 0u; r < 4u; r++) {
      let ar = row0 + lid.y * 4u + r; let ac = k0 + lid.x;
      As[lid.y * 4u + r][lid.x] = select(0.0, A[ar * K + ac], ar < M && ac < K);
      let br = k0 + lid.y; let bc = col0 + lid.x * 4u + r;
      Bs[lid.y][lid.x * 4u + r] = select(0.0, B[br * N + bc], br < K && bc < N);
    }
    workgroupBarrier();
    for (var kk = 0u; kk < 16u; kk++) {
      for (var i = 0u; i < 4u; i++) {
        let a = As[lid.y * 4u + i][kk];
        for (var j = 0u; j < 4u; j++) { acc[i][j] = acc[i][j] + a * Bs[kk][lid.x * 4u + j]; }
      }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u; i++) { for (var j = 0u; j < 4u; j++) {
    let r = row0 + lid.y * 4u + i; let c = col0 + lid.x * 4u + j;
    if (r < M && c < N) { C[r * N + c] = acc[i][j]; } } }
}`;
const mod = device.createShaderModule({ code });
const pipe = device.createComputePipeline({ layout: 'auto', compute: { module: mod, entryPoint: 'main' } });
const mk = (n) => device.createBuffer({ size: n * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
const a = mk(M * K), b = mk(K * N), c = mk(M * N);
const bg = device.createBindGroup({ layout: pipe.getBindGroupLayout(0), entries: [a, b, c].map((buffer, i) => ({ binding: i, resource: { buffer } })) });
async function run(reps) {
  const enc = device.createCommandEncoder();
  for (let r = 0; r < reps; r++) { const p = enc.beginComputePass(); p.setPipeline(pipe); p.setBindGroup(0, bg); p.dispatchWorkgroups(Math.ceil(N / 64), Math.ceil(M / 64)); p.end(); }
  device.queue.submit([enc.finish()]);
  await device.queue.onSubmittedWorkDone();
}
await run(2);
for (const reps of [1, 10, 50]) {
  const t0 = performance.now(); await run(reps); const t = (performance.now() - t0) / reps;
  console.log(`reps ${reps}: ${t.toFixed(2)} ms per matmul ${M}x${N}x${K}, ${(2 * M * N * K / t / 1e6).toFixed(2)} GFLOP/s`);
}
// tiny dispatch overhead
process.exit(0);
