/** Runs the kernel benchmark: `node --conditions=@crossedit/source --import tsx benchmarks/src/kernels-main.ts [--reps N] [--quick]`. */
import { main } from './kernels.js';

await main(process.argv.slice(2));
