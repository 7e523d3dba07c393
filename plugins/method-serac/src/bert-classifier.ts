/**
 * A BERT-family scope classifier (`--classifier-dir`): the embedding of a text is a learned projection of
 * the encoder's last hidden state at [CLS] (EasyEdit: `cls_class: AutoModel`, the [CLS] state, `dist_heads 1`),
 * `e(x) = P · h_CLS(x)`, with SERAC's similarity `exp(−‖e(c) − e(x)‖²)`. The encoder is frozen here (the
 * project's `BertModel` keeps its weights private); the projection `P` (`k × H`, starting at
 * `projInit · I`) is what trains. EasyEdit fine-tunes the whole DistilBERT.
 *
 * Text, not token ids: a row of base-model ids is decoded with the base tokenizer and re-tokenized with
 * the encoder's WordPiece tokenizer (the reference decodes with the replacement tokenizer, likewise). The
 * WordPiece tokenizer is asynchronous and a language model's `forward` is synchronous, so the
 * tokenization happens before: {@link BertClassifier.prepareRows} (awaited by the SERAC wrapper's
 * `prepare`, which the evaluator calls before each forward pass, and by training before each step) and
 * {@link BertClassifier.prepareEntries} (at edit time). `embedRows` then runs the encoder synchronously,
 * inside the caller's gradient scope.
 */
import { matmul, reshape, sliceAxis, tensor, untrack, type Backend, type Tensor, type Tokenizer } from '@crossedit/core';
import type { BertEncoder } from '@crossedit/transformer';
import type { ScopeClassifier } from './classifier.js';
import type { MemoryEntry } from './memory.js';
import type { EncoderSource } from './sources.js';

/** Architecture of a BERT classifier (recorded in the artifact). */
export interface BertClassifierArch {
  kind: 'bert';
  /** Output width k of the projection. */
  width: number;
  /** The projection starts as `projInit · I` (the first min(k, H) diagonal entries). */
  projInit: number;
  /** The encoder directory and its content hash. */
  source: EncoderSource;
}

/** Host WordPiece rows, right-padded. */
interface Pieces {
  ids: number[][];
  mask: number[][];
}

/** The BERT scope classifier. */
export class BertClassifier implements ScopeClassifier {
  /** `[k, H]`. */
  proj: Tensor;
  readonly #rows = new WeakMap<Tensor, Pieces>();
  readonly #entries = new WeakMap<MemoryEntry, number[]>();

  constructor(
    /** The encoder (not owned: loaded once per directory and shared). */
    readonly encoder: BertEncoder,
    readonly arch: BertClassifierArch,
    /** The base model's tokenizer, which decodes the rows. */
    readonly baseTokenizer: Tokenizer,
    readonly backend: Backend,
  ) {
    const h = encoder.dim;
    const p = new Float64Array(arch.width * h);
    for (let i = 0; i < Math.min(arch.width, h); i++) p[i * h + i] = arch.projInit;
    this.proj = untrack(tensor(p, [arch.width, h], { backend }));
  }

  params(): Tensor[] {
    return [this.proj];
  }

  paramNames(): string[] {
    return ['cls.proj'];
  }

  setParams([p]: readonly Tensor[]): void {
    if (p !== this.proj) this.proj.dispose();
    this.proj = untrack(p);
  }

  /**
   * Tokenizes the rows of `ids` (`host`: the same ids on the host, `[rows × cols]`, and per-token weights,
   * 1 for the tokens that count) for a later {@link embedRows} on this very tensor.
   */
  async prepareRows(ids: Tensor, host: { ids: ArrayLike<number>; weights: ArrayLike<number> }): Promise<void> {
    const [b, s] = ids.shape;
    const texts: string[] = [];
    for (let r = 0; r < b; r++) {
      const toks: number[] = [];
      for (let p = 0; p < s; p++) if (host.weights[r * s + p] > 0) toks.push(host.ids[r * s + p]);
      texts.push(this.baseTokenizer.decode(toks, { skipSpecialTokens: true }));
    }
    const enc = await this.encoder.loaded.tokenizer.encodeBatch(texts);
    this.#rows.set(ids, { ids: enc.ids, mask: enc.mask });
  }

  /** Tokenizes the classifier contexts of memory entries (idempotent). */
  async prepareEntries(mem: readonly MemoryEntry[]): Promise<void> {
    const todo = mem.filter((m) => !this.#entries.has(m));
    if (todo.length === 0) return;
    const enc = await this.encoder.loaded.tokenizer.encodeBatch(todo.map((m) => this.baseTokenizer.decode(m.ctxIds, { skipSpecialTokens: true })));
    todo.forEach((m, i) => this.#entries.set(m, enc.ids[i].filter((_, p) => enc.mask[i][p] > 0)));
  }

  #embed(p: Pieces): Tensor {
    const b = p.ids.length;
    const s = p.ids[0]?.length ?? 1;
    const be = this.encoder.loaded.model.backend;
    const ids = tensor(Int32Array.from(p.ids.flat()), [b, s], { dtype: 'i32', backend: be });
    const mask = tensor(p.mask.flat(), [b, s], { backend: be });
    const hidden = this.encoder.loaded.model.forward(ids, mask);
    const cls = reshape(sliceAxis(hidden, 1, 0, 1), [b, hidden.shape[2]]);
    return matmul(cls, this.proj, { transB: true });
  }

  /** Embeddings `[B, k]` of rows prepared by {@link prepareRows} (`weights` were given there). */
  embedRows(ids: Tensor, _weights?: Tensor): Tensor {
    const p = this.#rows.get(ids);
    if (!p) throw new Error('serac: the BERT scope classifier reads text; await prepareRows(ids, …) (the SERAC model\'s prepare(ids)) before this forward pass');
    return this.#embed(p);
  }

  /** Embeddings `[C, k]` of memory entries prepared by {@link prepareEntries}. */
  embedEntries(mem: readonly MemoryEntry[]): Tensor {
    const rows = mem.map((m) => {
      const r = this.#entries.get(m);
      if (!r) throw new Error(`serac: memory entry '${m.id}' was not tokenized for the BERT classifier; await prepareEntries(memory) first`);
      return r;
    });
    const s = Math.max(1, ...rows.map((r) => r.length));
    const pad = this.encoder.loaded.config.padId ?? 0;
    return this.#embed({ ids: rows.map((r) => [...r, ...new Array<number>(s - r.length).fill(pad)]), mask: rows.map((r) => [...r.map(() => 1), ...new Array<number>(s - r.length).fill(0)]) });
  }

  /** Releases the projection (the encoder is shared). */
  dispose(): void {
    this.proj.dispose();
  }
}
