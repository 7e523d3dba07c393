/** IKE hyperparameters. */
import type { HparamSchema } from '@crossedit/core';

/** IKE's hyperparameters. */
export interface IkeHparams {
  /** Demonstrations retrieved per edit [k] (paper-era 32, HEAD 16). */
  k: number;
  /**
   * Training data for the bank: a directory of line-aligned `zsre_mend_train_<lang>_<n>.txt` files, or a
   * ZsRE-format JSON file. Empty: `<dataDir>/mzsre/train` from the context.
   */
  bank: string;
  /** Use at most this many training records (0: all). */
  bankLimit: number;
  /** Append the new fact's own copy demonstration, as the paper-era reference did. */
  appendCopyDemo: boolean;
  /** A local sentence-transformers directory for retrieval; empty: the backbone's mean-pooled hidden states. */
  encoderDir: string;
  /** Rewrites each bank question: `{}` keeps it (EasyEdit); `Q:{} A:` is what Bi-ZsRE's bank used. */
  bankTemplate: string;
}

export const IKE_HPARAMS: HparamSchema<IkeHparams> = {
  k: { default: 16, doc: 'demonstrations per edit', check: (v) => (Number.isInteger(v) && v >= 0 ? null : 'must be a non-negative integer') },
  bank: { default: '', doc: 'training data for the demonstration bank' },
  bankLimit: { default: 2000, doc: 'records used for the bank (0: all)', check: (v) => (Number.isInteger(v) && v >= 0 ? null : 'must be a non-negative integer') },
  appendCopyDemo: { default: false, doc: "append the new fact's copy demonstration (paper-era)" },
  encoderDir: { default: '', doc: 'sentence-transformers directory (empty: backbone hidden states)' },
  bankTemplate: {
    default: '{}',
    doc: "bank question template: '{}' (EasyEdit) or 'Q:{} A:' (Bi-ZsRE)",
    check: (v) => (v.split('{}').length === 2 ? null : "must contain '{}' exactly once"),
  },
};
