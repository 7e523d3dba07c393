/**
 * SERAC training (EasyEdit `EditTrainer` with `hparams/TRAINING/SERAC`): per iteration the batch's facts
 * form the memory; the edit rows and the locality rows run through the mixture in one batch;
 * `cEdit · NLL(edit) + cLoc · KL(p_base ‖ p_mix)(loc)` is differentiated with respect to the classifier
 * and the counterfactual model (end to end through the soft mixture; no separate classifier loss).
 */
import { Adam, add, gather, logSoftmax, mean, mul, pickLast, reshape, sliceAxis, softmax, sum, tensor, tidy, untrack, valueAndGrads, type LanguageModel, type Tensor, type Tokenizer } from '@crossedit/core';
import {
  collate,
  disposeBatch,
  editRow,
  fromSafe,
  headLogits,
  labelLogits,
  need,
  selAccuracy,
  selAgreement,
  selKl,
  toSafe,
  type Batch,
  type EditExample,
  type EditorTrainer,
  type SafeTensor,
} from '@crossedit/editor-training';
import type { BagClassifier } from './classifier.js';
import type { Counterfactual } from './counterfactual.js';
import { cfBatch, disposeCfBatch, type CfBatch } from './cf-batch.js';
import { memoryEntry, type MemoryEntry } from './memory.js';
import { mixLogProbs, similarities } from './mixture.js';
import { seracTensors, loadSeracTensors } from './state.js';

/** Loss weights and optimiser. */
export interface SeracOptim {
  lr: number;
  cEdit: number;
  cLoc: number;
  /** Also train on the rephrase as an edit input (the original SERAC; EasyEdit trains on the edit input only). */
  rephrase: boolean;
}

/** Edit rows then locality rows in one batch; `ne` label positions belong to the edit rows. */
interface Joint {
  all: Batch;
  ne: number;
}

/** {@link EditorTrainer} of SERAC. */
export class SeracTrainer implements EditorTrainer {
  readonly adam: Adam;
  readonly pad: number;
  readonly hasBos: boolean;

  constructor(
    readonly base: LanguageModel,
    readonly tokenizer: Tokenizer,
    readonly cls: BagClassifier,
    readonly cf: Counterfactual,
    readonly optim: SeracOptim,
  ) {
    this.adam = new Adam({ lr: optim.lr });
    this.pad = tokenizer.special.pad ?? tokenizer.special.eos ?? 0;
    this.hasBos = tokenizer.special.bos !== null;
  }

  params(): Tensor[] {
    return [...this.cls.params(), ...this.cf.params()];
  }

  #joint(ex: readonly EditExample[], rephrase: boolean): Joint {
    const tok = this.tokenizer;
    const edits = ex.map((e) => editRow(tok, e.prompt, e.target));
    if (rephrase) for (const e of ex) if (e.rephrase) edits.push(editRow(tok, e.rephrase, e.target));
    const locs = ex.map((e) => editRow(tok, e.loc, e.locAns));
    const all = collate([...edits, ...locs], this.pad, this.base.backend);
    return { all, ne: all.host.selRow.filter((r) => r < edits.length).length };
  }

  /** Each row's most similar entry (host argmax of the classifier's similarities). */
  async #choose(j: Joint, mem: readonly MemoryEntry[]): Promise<number[]> {
    if (mem.length === 1) return new Array(j.all.rows).fill(0);
    const sim = tidy(() => similarities(this.cls, mem, j.all.ids, j.all.mask, this.hasBos));
    const v = await sim.data();
    sim.dispose();
    const c = mem.length;
    return Array.from({ length: j.all.rows }, (_, r) => {
      let best = 0;
      for (let k = 1; k < c; k++) if (v[r * c + k] > v[r * c + best]) best = k;
      return best;
    });
  }

  /** The mixture's log-probs `[N, V]` at the label positions, for the chosen entries (differentiable). */
  #mixAtLabels(j: Joint, mem: readonly MemoryEntry[], choice: readonly number[], cb: CfBatch, logBase: Tensor): Tensor {
    const be = this.base.backend;
    const r = j.all.rows;
    const c = mem.length;
    const oh = new Float64Array(r * c);
    choice.forEach((k, row) => (oh[row * c + k] = 1));
    const sim = similarities(this.cls, mem, j.all.ids, j.all.mask, this.hasBos);
    const sStar = sum(mul(sim, tensor(oh, [r, c], { backend: be })), -1, true); // [R, 1]
    const sPos = gather(sStar, tensor(Int32Array.from(j.all.host.selRow), [j.all.host.selRow.length], { dtype: 'i32', backend: be })); // [N, 1]
    const cfm = this.cf.model;
    const h = cfm.forward(cb.ids, { attentionMask: cb.mask, stopAfterLayer: cfm.config.numLayers - 1 }).hidden;
    const pCf = softmax(headLogits(cfm, gather(reshape(h, [cb.rows * cb.cols, cfm.config.hiddenSize]), cb.sel)));
    return mixLogProbs(logBase, pCf, sPos);
  }

  async iteration(batch: readonly EditExample[]): Promise<{ loss: number; edit: number; loc: number; grads: Tensor[] }> {
    const j = this.#joint(batch, this.optim.rephrase);
    const mem = batch.map((e, i) => memoryEntry(this.tokenizer, { id: `t${i}`, prompt: e.prompt, target: e.target }));
    const logBase = untrack(tidy(() => logSoftmax(labelLogits(this.base, j.all))));
    const choice = await this.#choose(j, mem);
    const cb = cfBatch(j.all, mem, choice, this.hasBos, this.pad, this.base.backend);
    const n = j.all.host.sel.length;
    try {
      let parts: Tensor[] = [];
      const { value, grads } = valueAndGrads(() => {
        const logMix = this.#mixAtLabels(j, mem, choice, cb, logBase);
        const lEdit = mul(mean(pickLast(sliceAxis(logMix, 0, 0, j.ne), sliceAxis(j.all.selTargets, 0, 0, j.ne))), -1);
        const lLoc = selKl(sliceAxis(logBase, 0, j.ne, n), sliceAxis(logMix, 0, j.ne, n));
        parts = [untrack(lEdit), untrack(lLoc)];
        return add(mul(lEdit, this.optim.cEdit), mul(lLoc, this.optim.cLoc));
      }, this.params());
      const out = { loss: await value.item(), edit: await parts[0].item(), loc: await parts[1].item(), grads: grads.map((g) => untrack(g)) };
      for (const t of [value, ...parts]) t.dispose();
      return out;
    } finally {
      logBase.dispose();
      disposeCfBatch(cb);
      disposeBatch(j.all);
    }
  }

  update(grads: readonly Tensor[]): void {
    const next = this.adam.step(this.params(), grads);
    const n = this.cls.params().length;
    this.cls.setParams(next.slice(0, n));
    this.cf.setParams(next.slice(n));
  }

  async validate(examples: readonly EditExample[]): Promise<{ editAcc: number; locAcc: number }> {
    let acc = 0;
    let loc = 0;
    for (const ex of examples) {
      const j = this.#joint([ex], false);
      const mem = [memoryEntry(this.tokenizer, { id: 'val', prompt: ex.prompt, target: ex.target })];
      const cb = cfBatch(j.all, mem, [0, 0], this.hasBos, this.pad, this.base.backend);
      try {
        const { logMix, base } = tidy(() => {
          const b = labelLogits(this.base, j.all);
          return { logMix: this.#mixAtLabels(j, mem, [0, 0], cb, logSoftmax(b)), base: b };
        });
        acc += (await selAccuracy(logMix, j.all))[0];
        loc += (await selAgreement(base, logMix, j.all))[1];
        logMix.dispose();
        base.dispose();
      } finally {
        disposeCfBatch(cb);
        disposeBatch(j.all);
      }
    }
    return { editAcc: acc / examples.length, locAcc: loc / examples.length };
  }

  async saveState(): Promise<Record<string, SafeTensor>> {
    const out = await seracTensors(this.cls, this.cf);
    const st = this.adam.state();
    if (st) {
      for (let i = 0; i < st.m.length; i++) {
        out[`adam.m.${i}`] = await toSafe(st.m[i]);
        out[`adam.v.${i}`] = await toSafe(st.v[i]);
      }
      out['adam.steps'] = { dtype: 'F64', shape: [1], data: Float64Array.from([st.steps]) };
    }
    return out;
  }

  loadState(t: Record<string, SafeTensor>): void {
    loadSeracTensors(this.cls, this.cf, t, 'serac checkpoint');
    if (t['adam.steps']) {
      const n = this.params().length;
      const be = this.base.backend;
      const list = (p: string) => Array.from({ length: n }, (_, i) => fromSafe(need(t, `${p}.${i}`, 'serac checkpoint'), be));
      this.adam.loadState({ steps: t['adam.steps'].data[0], m: list('adam.m'), v: list('adam.v') });
    }
  }

  exportParams(): Promise<Record<string, SafeTensor>> {
    return seracTensors(this.cls, this.cf);
  }

  dispose(): void {
    this.adam.dispose();
  }
}
