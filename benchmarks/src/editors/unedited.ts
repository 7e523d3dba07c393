/**
 * The unedited baseline for `pnpm bench editors`: a method that changes nothing (`crossedit eval
 * --method benchmarks/src/editors/unedited.ts`), so its row is the model before any edit, scored by the
 * same evaluator as MEND and SERAC.
 */
import { defineMethod } from '@crossedit/core';

const unedited = defineMethod<Record<string, never>>({
  id: 'unedited',
  description: 'no edit (the baseline row of the trained-editor table)',
  hparams: {},
  requires: () => ({ gradients: false }),
  supports: { batch: true, sequential: true },
  apply: async () => ({ deltas: [], restore: async () => undefined, diagnostics: {} }),
});
export default unedited;
