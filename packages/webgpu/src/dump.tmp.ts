import { writeFileSync } from 'node:fs';
import { buildProgram } from './program.js';
import { matmulGeometry, matmulSubgroupProgram, matmulTiledProgram } from './kernels/MatMul.js';
const g = matmulGeometry([1024, 1024], [1024, 1024], false, false);
writeFileSync('/tmp/mm/sg_vec4.wgsl', buildProgram(matmulSubgroupProgram(g, 0, 8, true)).source);
writeFileSync('/tmp/mm/sg_strided.wgsl', buildProgram(matmulSubgroupProgram(g, 0, 8, false)).source);
writeFileSync('/tmp/mm/tiled.wgsl', buildProgram(matmulTiledProgram(g, 0)).source);
