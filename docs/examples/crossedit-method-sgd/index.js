// crossedit-method-sgd: plain gradient descent on one layer's MLP down-projection, minimising the
// teacher-forced NLL of the new target. An example of a method plugin kept outside crossedit.
import {
  applyDeltas,
  add,
  crossEntropy,
  defineMethod,
  mul,
  sub,
  teacherForcedBatch,
  teacherForcedRows,
  tidy,
  untrack,
  valueAndGrads,
} from '@crossedit/core';

/** @typedef {{ layer: number; steps: number; lr: number }} SgdHparams */

export default defineMethod({
  id: 'sgd',
  description: 'SGD: a few gradient steps on one MLP down-projection (example plugin)',
  hparams: {
    layer: { default: 0, doc: 'decoder layer whose mlp.down is trained', integer: true, min: 0, layerIndices: true },
    steps: { default: 10, doc: 'gradient steps', integer: true, min: 1, max: 1000 },
    lr: { default: 0.5, doc: 'learning rate', min: 0 },
  },
  requires: () => ({ gradients: true }),
  supports: { batch: true, sequential: true },
  presets: ({ config }) => ({ layer: Math.floor(config.numLayers / 2) }),
  async apply(ctx, requests, h) {
    const { model, tokenizer } = ctx;
    const ref = { kind: 'mlp.down', layer: h.layer };
    const rows = teacherForcedRows(tokenizer, requests.map((r) => ({ prompt: r.prompt, target: r.target })));
    const batch = teacherForcedBatch(rows, model.backend, tokenizer.special.pad ?? tokenizer.special.eos ?? 0);
    const w0 = model.weight(ref);
    let w = w0;
    let first = NaN;
    let last = NaN;
    try {
      for (let step = 0; step < h.steps; step++) {
        const { value, grads } = valueAndGrads(() => crossEntropy(model.forward(batch.ids, { attentionMask: batch.attentionMask }).logits, batch.labels, batch.labelMask), [w]);
        last = await value.item();
        if (step === 0) first = last;
        value.dispose();
        const next = untrack(tidy(() => sub(w, mul(grads[0], h.lr))));
        grads[0].dispose();
        model.setWeight(ref, next);
        if (w !== w0) w.dispose();
        w = next;
      }
    } finally {
      for (const t of [batch.ids, batch.attentionMask, batch.labels, batch.labelMask]) t.dispose();
    }
    // put the original back, then apply the difference through applyDeltas, which restores bit for bit
    const delta = untrack(tidy(() => sub(w, w0)));
    model.setWeight(ref, w0);
    if (w !== w0) w.dispose();
    const undo = applyDeltas(model, [{ ref, delta }], add);
    return {
      deltas: [{ ref, delta }],
      diagnostics: { firstLoss: first, finalLoss: last },
      async restore() {
        await undo();
        if (!delta.isDisposed) delta.dispose();
      },
    };
  },
});
