/**
 * MEND training (EasyEdit `EditTrainer` with `hparams/TRAINING/MEND`): per iteration, base log-probs on
 * the locality row; the factors of the edit row; the update as functional fast weights `W + ΔW(θ)`
 * swapped into the model while the post-edit edit and locality rows run under the tape, so the outer
 * gradient of `cEdit · L_edit + cLoc · KL(p_base ‖ p_post)` reaches the networks and η (first order).
 * Two Adams: one over everything, one (`lrLr`) over η alone.
 */
import { Adam, add, logSoftmax, mul, tidy, untrack, valueAndGrads, type LanguageModel, type Tensor, type Tokenizer } from '@crossedit/core';
import {
  collate,
  disposeBatch,
  editRow,
  labelLogits,
  selAccuracy,
  selAgreement,
  selKl,
  selNll,
  type Batch,
  type EditExample,
  type EditorTrainer,
  type SafeTensor,
} from '@crossedit/editor-training';
import { captureFactors, disposeFactors, type Factors } from './capture.js';
import { applyMend, mendDeltas } from './edit.js';
import type { MendEditor } from './editor.js';
import { editorTensors, listTensors, loadEditorTensors, readList, scalarSafe } from './state.js';

/** Loss weights and optimiser settings. */
export interface MendOptim {
  lr: number;
  lrLr: number;
  cEdit: number;
  cLoc: number;
  /** Train and validate on rotated targets (`rotateTargets`: for a model that already knows its training facts). */
  counterfactualTargets: boolean;
}

/** The outer objective for fixed factors; `logBase` holds the base log-probs at `loc`'s label positions. */
export function outerLoss(model: LanguageModel, editor: MendEditor, factors: readonly Factors[], edit: Batch, loc: Batch, logBase: Tensor, o: MendOptim): { total: Tensor; edit: Tensor; loc: Tensor; fast: Tensor[] } {
  const deltas = editor.deltas(factors);
  const swapped: Tensor[] = [];
  const originals = editor.matrices.map((m, i) => {
    const w = model.weight(m.ref);
    swapped.push(add(w, deltas[i]));
    return w;
  });
  editor.matrices.forEach((m, i) => model.setWeight(m.ref, swapped[i]));
  try {
    const lEdit = selNll(logSoftmax(labelLogits(model, edit)), edit);
    const lLoc = selKl(logBase, logSoftmax(labelLogits(model, loc)));
    return { total: add(mul(lEdit, o.cEdit), mul(lLoc, o.cLoc)), edit: lEdit, loc: lLoc, fast: swapped };
  } finally {
    // put the base weights back; the caller releases the fast weights (`fast`) after the backward pass
    editor.matrices.forEach((m, i) => {
      const fast = model.setWeight(m.ref, originals[i]);
      if (fast !== swapped[i]) throw new Error('mend: fast weights were replaced during the outer pass');
    });
  }
}

/** {@link EditorTrainer} of MEND. */
export class MendTrainer implements EditorTrainer {
  readonly adam: Adam;
  readonly adamLr: Adam;
  readonly pad: number;

  constructor(
    readonly model: LanguageModel,
    readonly tokenizer: Tokenizer,
    readonly editor: MendEditor,
    readonly optim: MendOptim,
  ) {
    this.adam = new Adam({ lr: optim.lr });
    this.adamLr = new Adam({ lr: optim.lrLr });
    this.pad = tokenizer.special.pad ?? tokenizer.special.eos ?? 0;
  }

  #batches(ex: readonly EditExample[]): { edit: Batch; loc: Batch } {
    const be = this.model.backend;
    return {
      edit: collate(ex.map((e) => editRow(this.tokenizer, e.prompt, e.target)), this.pad, be),
      loc: collate(ex.map((e) => editRow(this.tokenizer, e.loc, e.locAns)), this.pad, be),
    };
  }

  async iteration(batch: readonly EditExample[]): Promise<{ loss: number; edit: number; loc: number; grads: Tensor[] }> {
    const { edit, loc } = this.#batches(batch);
    const logBase = untrack(tidy(() => logSoftmax(labelLogits(this.model, loc))));
    const { factors } = await captureFactors(this.model, edit, this.editor.matrices);
    try {
      this.editor.observe(factors);
      let parts: { edit: Tensor; loc: Tensor } | null = null;
      let fast: Tensor[] = [];
      const { value, grads } = valueAndGrads(() => {
        const r = outerLoss(this.model, this.editor, factors, edit, loc, logBase, this.optim);
        parts = { edit: untrack(r.edit), loc: untrack(r.loc) };
        fast = r.fast;
        return r.total;
      }, this.editor.params());
      const p = parts as unknown as { edit: Tensor; loc: Tensor };
      const out = { loss: await value.item(), edit: await p.edit.item(), loc: await p.loc.item(), grads: grads.map((g) => untrack(g)) };
      for (const t of [value, p.edit, p.loc, ...fast]) t.dispose();
      return out;
    } finally {
      disposeFactors(factors);
      logBase.dispose();
      disposeBatch(edit);
      disposeBatch(loc);
    }
  }

  update(grads: readonly Tensor[]): void {
    const ps = this.editor.params();
    const next = this.adam.step(ps, grads);
    const n = this.editor.netParamCount;
    const etaNext = this.adamLr.step(next.slice(n), grads.slice(n));
    for (const t of next.slice(n)) t.dispose();
    this.editor.setParams([...next.slice(0, n), ...etaNext]);
  }

  async validate(examples: readonly EditExample[]): Promise<{ editAcc: number; locAcc: number }> {
    let acc = 0;
    let loc = 0;
    for (const ex of examples) {
      const b = this.#batches([ex]);
      try {
        const pre = tidy(() => labelLogits(this.model, b.loc));
        const { deltas } = await mendDeltas(this.model, this.tokenizer, this.editor, [{ id: 'val', prompt: ex.prompt, subject: '', target: ex.target, lang: ex.lang }]);
        const restore = applyMend(this.model, deltas);
        try {
          const post = tidy(() => labelLogits(this.model, b.edit));
          const postLoc = tidy(() => labelLogits(this.model, b.loc));
          acc += (await selAccuracy(post, b.edit))[0];
          loc += (await selAgreement(pre, postLoc, b.loc))[0];
          for (const t of [pre, post, postLoc]) t.dispose();
        } finally {
          await restore();
          for (const d of deltas) d.delta.dispose();
        }
      } finally {
        disposeBatch(b.edit);
        disposeBatch(b.loc);
      }
    }
    return { editAcc: acc / examples.length, locAcc: loc / examples.length };
  }

  async saveState(): Promise<Record<string, SafeTensor>> {
    const out = await editorTensors(this.editor);
    for (const [name, opt] of [['adam', this.adam], ['adamLr', this.adamLr]] as const) {
      const st = opt.state();
      if (!st) continue;
      Object.assign(out, await listTensors(`${name}.m`, st.m), await listTensors(`${name}.v`, st.v));
      out[`${name}.steps`] = scalarSafe(st.steps);
    }
    return out;
  }

  loadState(t: Record<string, SafeTensor>): void {
    loadEditorTensors(this.editor, t, 'mend checkpoint');
    const n = this.editor.params().length;
    for (const [name, opt, count] of [['adam', this.adam, n], ['adamLr', this.adamLr, this.editor.etas.length]] as const) {
      if (!t[`${name}.steps`]) continue;
      opt.loadState({ steps: t[`${name}.steps`].data[0], m: readList(t, `${name}.m`, count, this.editor, 'mend checkpoint'), v: readList(t, `${name}.v`, count, this.editor, 'mend checkpoint') });
    }
  }

  exportParams(): Promise<Record<string, SafeTensor>> {
    return editorTensors(this.editor);
  }

  dispose(): void {
    this.adam.dispose();
    this.adamLr.dispose();
  }
}
