/**
 * Scorer modes. `correct` (the default) scores as the paper describes its metrics; `bizsre-2023`
 * reproduces what the paper's code (krystalan/Bi-ZsRE @ 6ae5fc4) actually computed, so its tables can
 * be compared like for like. docs/scoring.md lists every difference.
 */

/** The scorer mode of a run. */
export type ScorerMode = 'correct' | 'bizsre-2023';

/** All scorer modes. */
export const SCORER_MODES: readonly ScorerMode[] = ['correct', 'bizsre-2023'];

/** The concrete rules a mode stands for. */
export interface ScoringRules {
  mode: ScorerMode;
  /** `harmonic`: 2PR/(P+R); `precision-x-recall`: |common|² / (|ans|·|ref|), the paper's "F1". */
  f1: 'harmonic' | 'precision-x-recall';
  /**
   * Reliability target: `source` (the edit's own target) or `english-except-ike` (the English `alt`
   * for every non-IKE method, even for Chinese edits).
   */
  reliabilityTarget: 'source' | 'english-except-ike';
  /**
   * How predictions are read: `single-pass` (EasyEdit HEAD: one sequence prompt + " " + target, argmax
   * at the positions before each target token) or `per-prefix` (paper-era EasyEdit: one sequence per
   * target prefix, argmax at its last token).
   */
  teacherForcing: 'single-pass' | 'per-prefix';
  /** Keep the tokenizer's BOS at the start of the target ids (paper-era; not for SERAC). */
  keepBosInTarget: boolean;
  /** Truncate every sequence and target to this many tokens (paper-era `max_length` = 30), or none. */
  maxLength: number | null;
  /** Trim surrounding whitespace of decoded strings before F1/EM. */
  trim: boolean;
  /** Portability strings lower-cased and stripped, targets rebuilt piece by piece (paper quirk). */
  paperPortability: boolean;
}

/**
 * The rules of a mode.
 * @example scoringRules('bizsre-2023').f1 // 'precision-x-recall'
 */
export function scoringRules(mode: ScorerMode = 'correct'): ScoringRules {
  if (mode === 'correct') {
    return { mode, f1: 'harmonic', reliabilityTarget: 'source', teacherForcing: 'single-pass', keepBosInTarget: false, maxLength: null, trim: true, paperPortability: false };
  }
  if (mode === 'bizsre-2023') {
    return { mode, f1: 'precision-x-recall', reliabilityTarget: 'english-except-ike', teacherForcing: 'per-prefix', keepBosInTarget: true, maxLength: 30, trim: false, paperPortability: true };
  }
  throw new Error(`unknown scorer mode ${JSON.stringify(mode)} (expected ${SCORER_MODES.join(' or ')})`);
}
