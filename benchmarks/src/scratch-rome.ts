import path from 'node:path';
import { parseHparams, Rng, setBackend, type EditContext } from '@crossedit/core';
import { createCpuBackend, createCpuF32Backend } from '@crossedit/cpu';
import llama from '@crossedit/backbone-llama';
import rome, { romeStep } from '../../plugins/method-rome/src/index.js';
const gguf = path.resolve('../shared/models/stories260k/stories260K.gguf');
const backend = process.env.BE === 'cpu' ? createCpuBackend() : createCpuF32Backend();
setBackend(backend);
const model = await llama.loadModel({ modelDir: gguf }, { backend });
const tokenizer = await llama.createTokenizer({ modelDir: gguf });
console.log(model.config);
const info = { id: llama.id, config: model.config };
const hp = parseHparams(rome.id, rome.hparams, rome.presets?.(info), { earlyStopLoss: 0 });
const ctx: EditContext = { model, tokenizer, backbone: info, backend, rng: new Rng(0), log: { info() {}, warn() {} } };
const req = { id: 'story:0', prompt: "Lily's favorite color was", subject: 'Lily', target: 'green', lang: 'en' };
for (let i = 0; i < 3; i++) {
  const t0 = performance.now();
  const s = await romeStep(ctx, req, hp.layers[0], ['{}', 'Once upon a time there was a girl. {}'], hp);
  s.delta.delta.dispose();
  console.log('rome ms', (performance.now() - t0).toFixed(0), s.ms, s.v.steps, s.v.losses.at(-1));
}
