/**
 * Adam and AdamW with PyTorch's defaults and semantics (`torch.optim.Adam` / `AdamW`): bias-corrected
 * moments, `eps` added outside the square root, L2 weight decay added to the gradient (Adam) or
 * decoupled (AdamW).
 */
import { runKernel, untrack, tidy } from '../engine.js';
import { zerosLike } from '../ops/creation.js';
import type { Tensor } from '../tensor.js';

/** Adam hyperparameters. */
export interface AdamOptions {
  lr: number;
  /** Default [0.9, 0.999]. */
  betas?: [number, number];
  /** Default 1e-8. */
  eps?: number;
  /** Default 0. */
  weightDecay?: number;
  /** AdamW (decoupled weight decay) when true. Default false. */
  decoupled?: boolean;
}

/** What {@link Adam.state} returns and {@link Adam.loadState} takes. */
export interface AdamState {
  /** Steps taken (the bias-correction count). */
  steps: number;
  /** First moments, one per parameter. */
  m: readonly Tensor[];
  /** Second moments, one per parameter. */
  v: readonly Tensor[];
}

/**
 * An Adam optimizer over a fixed list of parameters. Tensors are immutable, so `step` returns the
 * updated parameters; the caller swaps them in and disposes the old ones it owns.
 *
 * @example
 * ```ts
 * const opt = new Adam({ lr: 0.5 });
 * [delta] = opt.step([delta], [grad]);
 * ```
 */
export class Adam {
  readonly lr: number;
  readonly betas: [number, number];
  readonly eps: number;
  readonly weightDecay: number;
  readonly decoupled: boolean;
  #m: Tensor[] | null = null;
  #v: Tensor[] | null = null;
  #t = 0;

  constructor(opts: AdamOptions) {
    this.lr = opts.lr;
    this.betas = opts.betas ?? [0.9, 0.999];
    this.eps = opts.eps ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? 0;
    this.decoupled = opts.decoupled ?? false;
  }

  /** Steps taken. */
  get steps(): number {
    return this.#t;
  }

  /** One update; returns new parameter tensors (not tracked by any tidy scope). */
  step(params: readonly Tensor[], grads: readonly Tensor[], lr = this.lr): Tensor[] {
    if (params.length !== grads.length) throw new RangeError(`Adam.step: ${params.length} params but ${grads.length} grads`);
    if (!this.#m) {
      this.#m = params.map((p) => untrack(zerosLike(p)));
      this.#v = params.map((p) => untrack(zerosLike(p)));
    }
    if (this.#m.length !== params.length) throw new RangeError(`Adam.step: built for ${this.#m.length} params, got ${params.length}`);
    this.#t++;
    const [b1, b2] = this.betas;
    const bc1 = 1 - b1 ** this.#t;
    const bc2 = 1 - b2 ** this.#t;
    const m = this.#m;
    const v = this.#v!;
    const out = tidy(() =>
      params.map((p, i) => {
        // one fused kernel (AdamStep) computes the same operations as the op chain it replaced
        const [next, mi, vi] = runKernel(
          'AdamStep',
          { param: p, grad: grads[i], m: m[i], v: v[i] },
          { beta1: b1, beta2: b2, eps: this.eps, sqrtBc2: Math.sqrt(bc2), stepSize: lr / bc1, lr, weightDecay: this.weightDecay, decoupled: this.decoupled },
        );
        m[i].dispose();
        v[i].dispose();
        m[i] = mi;
        v[i] = vi;
        return { next, mi, vi };
      }),
    );
    for (const o of out) {
      untrack(o.mi);
      untrack(o.vi);
    }
    return out.map((o) => untrack(o.next));
  }

  /**
   * The state to checkpoint: steps taken and the first and second moments, one per parameter (the
   * optimizer keeps owning them); `null` before the first step.
   */
  state(): AdamState | null {
    if (!this.#m || !this.#v) return null;
    return { steps: this.#t, m: [...this.#m], v: [...this.#v] };
  }

  /** Restores a state saved from {@link Adam.state} (for resuming); takes ownership of the tensors. */
  loadState(state: AdamState): void {
    if (state.m.length !== state.v.length) throw new RangeError(`Adam.loadState: ${state.m.length} first moments but ${state.v.length} second moments`);
    this.dispose();
    this.#m = state.m.map((t) => untrack(t));
    this.#v = state.v.map((t) => untrack(t));
    this.#t = state.steps;
  }

  /** Releases the moment buffers. */
  dispose(): void {
    for (const t of [...(this.#m ?? []), ...(this.#v ?? [])]) t.dispose();
    this.#m = this.#v = null;
  }
}
