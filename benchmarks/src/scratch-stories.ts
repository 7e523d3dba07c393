import { createCpuBackend, createCpuF32Backend } from '@crossedit/cpu';
import { setBackend } from '@crossedit/core';
import { runStoryRows, storyTable } from './stories/run.js';
const which = (process.argv[4] ?? 'cpu-f32').split(',');
const bs: any[] = [];
for (const w of which) bs.push([w, w === 'cpu' ? createCpuBackend() : createCpuF32Backend()]);
setBackend(bs[0][1]);
const { rows, notes } = await runStoryRows(bs, { edits: Number(process.argv[2] ?? 2), methods: (process.argv[3] ?? 'rome,memit,ft').split(',') as any });
console.log(storyTable(rows)); for (const n of notes) console.log('note:', n);
