/**
 * Scorer modes. `correct` (the default) scores as the paper describes its metrics; `bizsre-2023`
 * reproduces what the paper's code (krystalan/Bi-ZsRE @ 6ae5fc4, 2023-10-06) actually computed, the rule
 * the published tables fit; `bizsre-2024` is the later revision (krystalan/Bi_ZsRE @ 4b2c8d5,
 * 2024-05-22), where reliability follows the source language. docs/scoring.md lists every difference.
 */

/** The scorer mode of a run. */
export type ScorerMode = 'correct' | 'bizsre-2023' | 'bizsre-2024';

/** All scorer modes. */
export const SCORER_MODES: readonly ScorerMode[] = ['correct', 'bizsre-2023', 'bizsre-2024'];

/** The concrete rules a mode stands for. */
export interface ScoringRules {
  mode: ScorerMode;
  /** `harmonic`: 2PR/(P+R); `precision-x-recall`: |common|² / (|ans|·|ref|), the paper's "F1". */
  f1: 'harmonic' | 'precision-x-recall';
  /**
   * Reliability target: `source` (the edit's own target) or `english-except-prompt-edits` (the English
   * `alt` for every weight-editing method, even for Chinese edits; prompt-surface methods such as IKE
   * keep the source language's).
   */
  reliabilityTarget: 'source' | 'english-except-prompt-edits';
  /**
   * How predictions are read: `single-pass` (EasyEdit HEAD: one sequence prompt + " " + target, argmax
   * at the positions before each target token) or `per-prefix` (paper-era EasyEdit: one sequence per
   * target prefix, argmax at its last token).
   */
  teacherForcing: 'single-pass' | 'per-prefix';
  /**
   * How the items of a prompt-surface method (`EditMethod.edits === 'prompt'`, IKE) are read:
   * `as-others` (the `teacherForcing` layout on the wrapped prompt) or `icl-lm-eval` (the paper's
   * `icl_lm_eval`: one sequence `context + x + " " + target`, no truncation, the argmax at the last
   * |tok(target)| positions before the end; pre-edit rephrase and locality in the context without
   * demonstrations).
   */
  promptEdits: 'as-others' | 'icl-lm-eval';
  /**
   * The answer a prompt-surface method's fact line states: `source` (the edit's own target) or
   * `item-language` (the new answer in the evaluated item's language, as the paper's code wrote it).
   */
  factTarget: 'source' | 'item-language';
  /** Keep the tokenizer's BOS at the start of the target ids (paper-era; not for SERAC). */
  keepBosInTarget: boolean;
  /** Truncate every sequence and target to this many tokens (paper-era `max_length` = 30), or none. */
  maxLength: number | null;
  /** Trim surrounding whitespace of decoded strings before F1/EM. */
  trim: boolean;
  /** Portability strings lower-cased and stripped, targets rebuilt piece by piece (paper quirk). */
  paperPortability: boolean;
}

const PAPER: Omit<ScoringRules, 'mode' | 'reliabilityTarget'> = {
  f1: 'precision-x-recall',
  teacherForcing: 'per-prefix',
  promptEdits: 'icl-lm-eval',
  factTarget: 'item-language',
  keepBosInTarget: true,
  maxLength: 30,
  trim: false,
  paperPortability: true,
};

/**
 * The rules of a mode.
 * @example scoringRules('bizsre-2023').f1 // 'precision-x-recall'
 */
export function scoringRules(mode: ScorerMode = 'correct'): ScoringRules {
  if (mode === 'correct') {
    return {
      mode,
      f1: 'harmonic',
      reliabilityTarget: 'source',
      teacherForcing: 'single-pass',
      promptEdits: 'as-others',
      factTarget: 'source',
      keepBosInTarget: false,
      maxLength: null,
      trim: true,
      paperPortability: false,
    };
  }
  if (mode === 'bizsre-2023') return { mode, ...PAPER, reliabilityTarget: 'english-except-prompt-edits' };
  if (mode === 'bizsre-2024') return { mode, ...PAPER, reliabilityTarget: 'source' };
  throw new Error(`unknown scorer mode ${JSON.stringify(mode)} (expected ${SCORER_MODES.join(', ')})`);
}
