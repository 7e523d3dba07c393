/**
 * The 12-language MzsRE grid of ROME and IKE on the embedded tiny model shown in docs/grid.md:
 *   pnpm grid --config docs/grid/mzsre12.grid.ts --records 3 --out out/mzsre12
 * ROME's v* optimisation is cut to 5 steps and IKE's bank to 50 demonstrations so that 12 edit languages
 * fit a short run on 2 cores (the full settings are the plugins' defaults).
 */
import { defaultGridConfig, defineGrid } from '../../benchmarks/src/grid/grid.config.js';
import { MZSRE_LANGS } from '../../benchmarks/src/grid/mzsre.js';

export default defineGrid({
  ...defaultGridConfig(),
  name: 'MzsRE 12-language grid (embedded tiny backbone, ROME and IKE)',
  methods: [
    { plugin: 'rome', hparams: { vNumGradSteps: 5 } },
    { plugin: 'ike', hparams: { bankLimit: 50 } },
  ],
  langs: [...MZSRE_LANGS],
  sourceLangs: [...MZSRE_LANGS],
  limit: 1,
});
