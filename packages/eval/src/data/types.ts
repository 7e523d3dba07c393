/** Types of the datasets: Bi-ZsRE / MzsRE test records, ZsRE (MEND format) records, training pairs. */

/** One language side of a Bi-ZsRE (or MzsRE) test record, with the file's keys in camelCase. */
export interface BiZsreSide {
  /** The subject entity; usually a substring of `src` (not always in MzsRE translations). */
  subject: string;
  /** The question to edit (edit prompt; reliability). */
  src: string;
  /** A paraphrase of `src` (generality). */
  rephrase: string;
  /** The new answer (edit target). */
  alt: string;
  /** An unrelated question (locality); the English side starts with `nq question: `. */
  loc: string;
  /** The answer of `loc`, used as the teacher-forced continuation of locality. */
  locAns: string;
  /** The one-hop question whose answer follows from the edit (portability). */
  portability: { question: string; answer: string };
}

/** One Bi-ZsRE record: the same fact in two languages. */
export interface BiZsreRecord {
  /** Index of the record in its file (0-based); stable across subsets. */
  index: number;
  /** The sides by language code, in the file's order (`en`, then `zh`). */
  sides: Readonly<Record<string, BiZsreSide>>;
}

/** A loaded Bi-ZsRE / MzsRE test file. */
export interface BiZsreDataset {
  format: 'bizsre';
  /** The path it was read from. */
  file: string;
  /** The file name (used as the dataset identity in results). */
  name: string;
  /** sha256 of the file bytes (hex). */
  sha256: string;
  /** The two language codes, in the file's order (the table's column order). */
  languages: readonly [string, string];
  /** The records, in file order (all of them, or the subset requested). */
  records: readonly BiZsreRecord[];
  /** Number of records in the file, before any subset. */
  total: number;
  /** Non-fatal findings (e.g. a subject that does not occur in its question). */
  warnings: readonly string[];
}

/** One record of the ZsRE MEND/EasyEdit format (`zsre_mend_eval.json`, `zsre_mend_eval_chinese.json`). */
export interface ZsreRecord {
  /** Index of the record in its file (0-based). */
  index: number;
  subject: string;
  src: string;
  rephrase: string;
  /** The new answer; empty in a few records, which are skipped as EasyEdit does. */
  alt: string;
  /** Gold answers; `answers[0]` is the old answer (ground truth). */
  answers: readonly string[];
  loc: string;
  locAns: string;
  /** An earlier model's prediction, when present. */
  pred?: string;
  /** `"<pred> >> <alt> || <src>"`, when present. */
  cond?: string;
  /** Portability pair, when present (EasyEdit's portability-augmented files). */
  portability?: { question: string; answer: string };
}

/** A loaded ZsRE-format file. */
export interface ZsreDataset {
  format: 'zsre';
  file: string;
  name: string;
  sha256: string;
  /** Language of the text (given by the caller; the format does not say). */
  lang: string;
  /** Usable records in file order (those with an empty `alt` are left out, see `skipped`). */
  records: readonly ZsreRecord[];
  /** Number of records in the file. */
  total: number;
  /** Indices of records left out because `alt` is empty. */
  skipped: readonly number[];
  warnings: readonly string[];
}

/** One training fact, line-aligned across languages. */
export interface TrainingPair {
  /** 0-based line index in the files (the same fact in every language). */
  index: number;
  /** Question and new answer per language code. */
  byLang: Readonly<Record<string, { question: string; answer: string }>>;
}

/** Options shared by the dataset loaders. */
export interface LoadOptions {
  /**
   * Keys the format does not define: `'error'` (default, strict) or `'ignore'`.
   * ORE's copy of the Chinese dev file, for example, adds `pred_statement` and friends.
   */
  extraKeys?: 'error' | 'ignore';
  /** Make a subject that does not occur in its `src` an error instead of a warning (default false). */
  requireSubjectInSrc?: boolean;
}
