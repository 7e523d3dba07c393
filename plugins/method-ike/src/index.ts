/**
 * `@crossedit/method-ike`: in-context knowledge editing. No weight changes: the edit is a prefix of
 * retrieved demonstrations (`New Fact: … / Prompt: …`) that the evaluator puts before each question.
 *
 * The bank is built from training data in the edit language (never from the test set) and embedded
 * once; retrieval is cosine top-k with a {@link SentenceEncoder}: a sentence-transformers model when
 * `encoderDir` is given, else the backbone's own mean-pooled hidden states.
 *
 * @packageDocumentation
 */
import { defineMethod } from '@crossedit/core';
import { applyIke } from './apply.js';
import { contextPrompt } from './demos.js';
import { IKE_HPARAMS, type IkeHparams } from './hparams.js';

export { applyIke, bankSource, ikeEncoder, fitDemos } from './apply.js';
export { applyTemplate, buildBank, readDemoSources, type DemoBank } from './bank.js';
export { contextPrompt, demoText, demosOf, queryText, type Demo, type DemoKind, type DemoSource } from './demos.js';
export { backboneEncoder, backboneFingerprint, bertEncoderFor } from './encoder.js';
export { topKCosine } from './retrieve.js';
export { IKE_HPARAMS, type IkeHparams } from './hparams.js';

/** The IKE method plugin. */
const ike = defineMethod<IkeHparams>({
  id: 'ike',
  description: 'in-context knowledge editing with retrieved demonstrations',
  hparams: IKE_HPARAMS,
  requires: () => ({ gradients: false }),
  edits: 'prompt',
  // the paper's pre-edit context of rephrase and locality items: the fact line without demonstrations
  preEditContext: (request, factTarget, question) => contextPrompt([], request.prompt, factTarget, question),
  supports: { batch: true, sequential: false },
  apply: (ctx, requests, h) => applyIke(ctx, requests, h),
});
export default ike;
