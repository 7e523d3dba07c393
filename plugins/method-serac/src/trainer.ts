/**
 * SERAC training. Per iteration the batch's facts form the memory; the edit rows (prompt and, with `rephrase`, the paraphrase) and the locality rows run
 * through the mixture in one batch, each row beside its own example's entry. The loss is
 * `cEdit · NLL_mix(edit) + cLoc · KL(p_base ‖ p_mix)(loc)` (EasyEdit's, end to end through the soft
 * mixture) plus the original SERAC's two component losses: `cCf · NLL_cf(edit)` (the counterfactual
 * model, told the edit in its context, must give the edit's answer) and `cCls · BCE` of the classifier's
 * similarities (a row against its own entry: in scope; against the other entries, and every locality
 * row: out of scope; positives and negatives weighted equally). `cCf = cCls = 0` is EasyEdit's objective.
 */
import { Adam, add, gather, log, logSoftmax, mean, mul, pickLast, reshape, sliceAxis, sub, sum, tensor, tidy, untrack, valueAndGrads, type LanguageModel, type Tensor, type Tokenizer } from '@crossedit/core';
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
import type { ScopeClassifier } from './classifier.js';
import type { Counterfactual } from './counterfactual.js';
import { batchPointer, cfBatch, disposeCfBatch, type CfBatch } from './cf-batch.js';
import { memoryEntry, type MemoryEntry } from './memory.js';
import { lengthsMask, MIX_EPS, mixLogProbs, prepareScope, similarities } from './mixture.js';
import { seracTensors, loadSeracTensors } from './state.js';
import { scopeLoss } from './scope.js';

/** Loss weights and optimiser. */
export interface SeracOptim {
  lr: number;
  cEdit: number;
  cLoc: number;
  /** Also train on the rephrase as an edit input (the original SERAC; EasyEdit trains on the edit input only). */
  rephrase: boolean;
  /** Weight of the counterfactual model's own NLL on the edit rows (original SERAC; 0: EasyEdit). */
  cCf: number;
  /** Weight of the classifier's scope BCE (original SERAC; 0: EasyEdit). */
  cCls: number;
  /** Train and validate on rotated (counterfactual) targets, `rotateTargets` (for models that know their training facts). */
  counterfactualTargets: boolean;
}

/** Edit rows then locality rows in one batch; `ne` label positions belong to the edit rows. */
interface Joint {
  all: Batch;
  ne: number;
  /** Rows that are edit inputs (the rest are locality rows). */
  editRows: number;
  /** The example (memory entry) each row belongs to. */
  owner: number[];
}

/** {@link EditorTrainer} of SERAC. */
export class SeracTrainer implements EditorTrainer {
  readonly adam: Adam;
  readonly pad: number;
  readonly hasBos: boolean;

  constructor(
    readonly base: LanguageModel,
    readonly tokenizer: Tokenizer,
    readonly cls: ScopeClassifier,
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
    const owner = ex.map((_, i) => i);
    if (rephrase)
      ex.forEach((e, i) => {
        if (!e.rephrase) return;
        edits.push(editRow(tok, e.rephrase, e.target));
        owner.push(i);
      });
    const locs = ex.map((e) => editRow(tok, e.loc, e.locAns));
    ex.forEach((_, i) => owner.push(i));
    const all = collate([...edits, ...locs], this.pad, this.base.backend);
    return { all, ne: all.host.selRow.filter((r) => r < edits.length).length, editRows: edits.length, owner };
  }

  /**
   * At the label positions, for the chosen entries: the mixture's and the counterfactual model's
   * log-probs `[N, V]`, and the classifier's similarities `[R, C]` (all differentiable). `frozen`: the
   * counterfactual hidden states, computed outside the gradient when its backbone is not trained.
   */
  #forward(j: Joint, mem: readonly MemoryEntry[], choice: readonly number[], cb: CfBatch, logBase: Tensor, frozen?: Tensor): { logMix: Tensor; logCf: Tensor; sim: Tensor } {
    const be = this.base.backend;
    const r = j.all.rows;
    const c = mem.length;
    const oh = new Float64Array(r * c);
    choice.forEach((k, row) => (oh[row * c + k] = 1));
    const sim = similarities(this.cls, mem, j.all.ids, j.all.mask, this.hasBos);
    const sStar = sum(mul(sim, tensor(oh, [r, c], { backend: be })), -1, true); // [R, 1]
    const sPos = gather(sStar, tensor(Int32Array.from(j.all.host.selRow), [j.all.host.selRow.length], { dtype: 'i32', backend: be })); // [N, 1]
    const hn = frozen ?? this.cf.normHidden(cb.ids, cb.mask);
    const q = gather(reshape(hn, [cb.rows * cb.cols, hn.shape[2]]), cb.sel);
    const pCf = this.cf.probs(q, this.cf.head ? batchPointer(cb, hn, j.all.host.selRow) : null);
    const logCf = log(add(pCf, MIX_EPS));
    return { logMix: mixLogProbs(logBase, pCf, sPos), logCf, sim };
  }

  async iteration(batch: readonly EditExample[]): Promise<{ loss: number; edit: number; loc: number; grads: Tensor[] }> {
    const ex = batch;
    const j = this.#joint(ex, this.optim.rephrase);
    const mem = ex.map((e, i) => memoryEntry(this.tokenizer, { id: `t${i}`, prompt: e.prompt, target: e.target }));
    const logBase = untrack(tidy(() => logSoftmax(labelLogits(this.base, j.all))));
    const cb = cfBatch(j.all, mem, j.owner, this.hasBos, this.pad, this.base.backend);
    const frozen = this.#frozenHidden(cb);
    const n = j.all.host.sel.length;
    await prepareScope(this.cls, mem, j.all.ids, j.all.host.ids, lengthsMask(j.all.host.lengths, j.all.cols), this.hasBos);
    const o = this.optim;
    try {
      let parts: Tensor[] = [];
      const { value, grads } = valueAndGrads(() => {
        const f = this.#forward(j, mem, j.owner, cb, logBase, frozen);
        const tEdit = sliceAxis(j.all.selTargets, 0, 0, j.ne);
        const lEdit = mul(mean(pickLast(sliceAxis(f.logMix, 0, 0, j.ne), tEdit)), -1);
        const lLoc = selKl(sliceAxis(logBase, 0, j.ne, n), sliceAxis(f.logMix, 0, j.ne, n));
        let total = add(mul(lEdit, o.cEdit), mul(lLoc, o.cLoc));
        if (o.cCf > 0) total = add(total, mul(mean(pickLast(sliceAxis(f.logCf, 0, 0, j.ne), tEdit)), -o.cCf));
        if (o.cCls > 0) total = add(total, mul(scopeLoss(f.sim, j.owner, j.editRows, mem, this.base.backend), o.cCls));
        parts = [untrack(lEdit), untrack(lLoc)];
        return total;
      }, this.params());
      const out = { loss: await value.item(), edit: await parts[0].item(), loc: await parts[1].item(), grads: grads.map((g) => untrack(g)) };
      for (const t of [value, ...parts]) t.dispose();
      return out;
    } finally {
      logBase.dispose();
      frozen?.dispose();
      disposeCfBatch(cb);
      disposeBatch(j.all);
    }
  }

  /** The counterfactual hidden states outside the gradient when only the head trains. */
  #frozenHidden(cb: CfBatch): Tensor | undefined {
    return this.cf.refs.length === 0 ? untrack(tidy(() => this.cf.normHidden(cb.ids, cb.mask))) : undefined;
  }

  update(grads: readonly Tensor[]): void {
    const next = this.adam.step(this.params(), grads);
    const n = this.cls.params().length;
    this.cls.setParams(next.slice(0, n));
    this.cf.setParams(next.slice(n));
  }

  /** Edit accuracy through the mixture (each example edited alone) and locality (argmax agreement with the base). */
  async validate(examples: readonly EditExample[]): Promise<{ editAcc: number; locAcc: number }> {
    let acc = 0;
    let loc = 0;
    for (const ex of examples) {
      const j = this.#joint([ex], false);
      const mem = [memoryEntry(this.tokenizer, { id: 'val', prompt: ex.prompt, target: ex.target })];
      const cb = cfBatch(j.all, mem, [0, 0], this.hasBos, this.pad, this.base.backend);
      try {
        await prepareScope(this.cls, mem, j.all.ids, j.all.host.ids, lengthsMask(j.all.host.lengths, j.all.cols), this.hasBos);
        const { logMix, base } = tidy(() => {
          const b = labelLogits(this.base, j.all);
          return { logMix: this.#forward(j, mem, [0, 0], cb, logSoftmax(b), this.cf.normHidden(cb.ids, cb.mask)).logMix, base: b };
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
