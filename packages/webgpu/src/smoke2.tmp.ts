import { setBackend, tensor, pow } from '@crossedit/core';
import { createCpuBackend } from '@crossedit/cpu';
import { createWebGpuBackend } from './index.js';
const gpu = await createWebGpuBackend();
for (const be of [createCpuBackend(), gpu]) {
  setBackend(be);
  const t0 = performance.now();
  console.log(Array.from(await pow(tensor([-2, -2, 3, 0, 0, 4, 0, -0.5, -3], [9]), tensor([3, 2, 0.5, 2, -1, 0, 0, 2.5, -2], [9])).data()), performance.now() - t0);
}
gpu.dispose();
