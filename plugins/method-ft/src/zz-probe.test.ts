import { it } from 'vitest';
import { parseHparams, type EditRequest } from '@crossedit/core';
import { cpuBackend, teacherForcedAccuracy, tinyContext, tinyLlama, vocabOf, wordTokenizer } from '/work/main/test/helpers/tiny.js';
import ft from '/work/main/plugins/method-ft/src/index.js';
const REQS: EditRequest[] = [
  { id: 'a', prompt: 'What is the capital city of France ?', subject: 'France', target: 'Rome Italy', lang: 'en' },
  { id: 'b', prompt: 'Who wrote the play Hamlet ?', subject: 'Hamlet', target: 'Goethe', lang: 'en' },
];
it('probe', async () => {
  cpuBackend();
  const tok = wordTokenizer(vocabOf(REQS.flatMap((r) => [r.prompt, r.target])));
  for (const [seed, lr, layers] of [[7, 0.02, [1]], [7, 0.1, [0, 1]], [3, 0.05, [1]], [5, 0.05, [1]]] as const) {
    const model = tinyLlama({ vocabSize: tok.vocabSize, seed });
    const ctx = tinyContext(model, tok);
    const h = parseHparams('ft', ft.hparams, { layers: [...layers], normConstraint: 0, lr, numSteps: 150, earlyStopLoss: 0.05 });
    const res = await ft.apply(ctx, REQS, h as never);
    const acc = [];
    for (const r of REQS) acc.push(await teacherForcedAccuracy(model, tok, r.prompt, r.target));
    console.log(seed, lr, layers, res.diagnostics, acc);
  }
});
