/** How strongly a model predicts a target after a prompt, computed on the host in float64. */
import { tensor, tidy, type LanguageModel, type Tokenizer } from '@crossedit/core';

/**
 * The mean log-probability of the target's tokens after `prompt + ' '`, teacher-forced (each target
 * token given the prompt and the target tokens before it).
 */
export async function targetLogProb(model: LanguageModel, tok: Tokenizer, prompt: string, target: string): Promise<number> {
  const p = tok.encode(prompt).ids.length;
  const ids = tok.encode(`${prompt} ${target}`).ids;
  if (ids.length <= p) throw new Error(`targetLogProb: target ${JSON.stringify(target)} adds no tokens to ${JSON.stringify(prompt)}`);
  const v = model.config.vocabSize;
  const logits = tidy(() => model.forward(tensor(Int32Array.from(ids), [1, ids.length], { backend: model.backend, dtype: 'i32' })).logits!);
  const l = Float64Array.from(await logits.data());
  logits.dispose();
  let sum = 0;
  for (let j = p; j < ids.length; j++) {
    const row = l.subarray((j - 1) * v, j * v);
    let m = -Infinity;
    for (const x of row) m = Math.max(m, x);
    let z = 0;
    for (const x of row) z += Math.exp(x - m);
    sum += row[ids[j]] - m - Math.log(z);
  }
  return sum / (ids.length - p);
}
