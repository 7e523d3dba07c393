import { it } from 'vitest';
import { parseHparams } from '@crossedit/core';
import { tinySetup } from '@crossedit/stats/testing';
import rome, { romeApply } from './index.js';
it('dbg', async () => {
  for (const scale of [1, 2, 3]) for (const seed of [3, 4]) for (const hidden of [32, 64]) {
  const setup = tinySetup({ seed, scale, config: { hiddenSize: hidden, intermediateSize: hidden * 2 } });
  const hp = parseHparams<any>('rome', rome.hparams, rome.presets?.(setup.ctx.backbone));
  const res = await romeApply(setup.ctx, [{ id: 'r0', prompt: 'What is the capital city of France?', subject: 'France', target: 'Rome', lang: 'en' }], hp);
  const d = res.diagnostics;
  console.log(scale, seed, hidden, d.vSteps, (d.nllInitial as number).toFixed(3), (d.nllFinal as number).toFixed(3), (d.vMs as number).toFixed(0));
  await res.restore();
  }
});
