/**
 * The MEND editor: the shared gradient networks, the learned per-matrix step sizes η and the running
 * normalisation of x and δ. `deltas` is the update `ΔW = lrScale · η · Σ_rows δ̃ x̃ᵀ`, written with ops
 * so training differentiates it with respect to the networks and η (x and δ are detached: first order).
 */
import { add, concat, div, matmul, mul, reshape, sliceAxis, sub, tensor, untrack, Rng, type Backend, type ModelConfig, type Tensor } from '@crossedit/core';
import type { Factors } from './capture.js';
import { editedMatrices, type EditedMatrix } from './matrices.js';
import { GradientNet } from './network.js';
import { Welford } from './welford.js';

/** The architecture (recorded in the artifact). */
export interface MendArch {
  layers: number[];
  kinds: string[];
  rank: number;
  /** Residual layers per network (the reference's `n_hidden 1` gives 2). */
  depth: number;
  /** Initial η (`edit_lr`). */
  editLr: number;
  /** Normalise x and δ with the running statistics (`norm: True`). */
  norm: boolean;
  seed: number;
}

/** The editor's state. */
export class MendEditor {
  readonly matrices: EditedMatrix[];
  readonly nets: GradientNet[];
  /** One `[1]` tensor per matrix. */
  etas: Tensor[];
  readonly xStats: Welford[];
  readonly dStats: Welford[];

  constructor(
    readonly config: ModelConfig,
    readonly arch: MendArch,
    readonly backend: Backend,
  ) {
    const { matrices, nets } = editedMatrices(config, arch.layers, arch.kinds);
    this.matrices = matrices;
    const rng = new Rng(arch.seed);
    this.nets = nets.map((n) => new GradientNet(n.inDim + n.outDim, arch.rank, n.modes, arch.depth, rng, backend));
    this.etas = matrices.map(() => untrack(tensor([arch.editLr], [1], { backend })));
    this.xStats = nets.map((n) => new Welford(n.inDim));
    this.dStats = nets.map((n) => new Welford(n.outDim));
  }

  /** Network parameters then the η values. */
  params(): Tensor[] {
    return [...this.nets.flatMap((n) => n.params()), ...this.etas];
  }

  /** Number of network parameters (the η values come after them in {@link MendEditor.params}). */
  get netParamCount(): number {
    return this.nets.reduce((a, n) => a + n.params().length, 0);
  }

  /** Replaces every parameter (order of {@link MendEditor.params}). */
  setParams(ps: readonly Tensor[]): void {
    let at = 0;
    for (const n of this.nets) {
      const k = n.params().length;
      n.setParams(ps.slice(at, at + k));
      at += k;
    }
    this.etas.forEach((e, i) => {
      if (ps[at + i] !== e) e.dispose();
    });
    this.etas = ps.slice(at).map((t) => untrack(t));
  }

  /** Adds the factors' rows to the running statistics (training mode). */
  observe(factors: readonly Factors[]): void {
    this.matrices.forEach((m, i) => {
      this.xStats[m.net].update(factors[i].xHost, factors[i].rows);
      this.dStats[m.net].update(factors[i].dHost, factors[i].rows);
    });
  }

  #normalize(v: Tensor, w: Welford): Tensor {
    if (!this.arch.norm) return v;
    const mean = tensor(w.mean, [1, w.n], { backend: this.backend });
    const std = tensor(w.std(), [1, w.n], { backend: this.backend });
    return div(sub(v, mean), add(std, 1e-7));
  }

  /** The transformed factors `(x̃, δ̃)` of matrix `i`. */
  transformed(i: number, f: Factors): { x: Tensor; d: Tensor } {
    const m = this.matrices[i];
    const z = concat([this.#normalize(f.x, this.xStats[m.net]), this.#normalize(f.d, this.dStats[m.net])], 1);
    const out = this.nets[m.net].forward(z, m.mode);
    return { x: sliceAxis(out, 1, 0, m.inDim), d: sliceAxis(out, 1, m.inDim, m.inDim + m.outDim) };
  }

  /** `ΔW_i = lrScale · η_i · δ̃ᵀ x̃`, `[out, in]`, for every matrix. */
  deltas(factors: readonly Factors[], lrScale = 1): Tensor[] {
    return this.matrices.map((_, i) => {
      const { x, d } = this.transformed(i, factors[i]);
      return mul(matmul(d, x, { transA: true }), mul(reshape(this.etas[i], [1, 1]), lrScale));
    });
  }

  dispose(): void {
    for (const n of this.nets) n.dispose();
    for (const e of this.etas) e.dispose();
  }
}
