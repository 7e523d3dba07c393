/** The shape of a Hugging Face `tokenizer.json` (the parts crossedit writes and reads). */

/** An entry of `added_tokens`. */
export interface AddedTokenJson {
  id: number;
  content: string;
  single_word: boolean;
  lstrip: boolean;
  rstrip: boolean;
  normalized: boolean;
  special: boolean;
}

/** A BPE model section. */
export interface BpeModelJson {
  type: 'BPE';
  dropout: null;
  unk_token: string | null;
  continuing_subword_prefix: null;
  end_of_word_suffix: null;
  fuse_unk: boolean;
  byte_fallback: boolean;
  ignore_merges: boolean;
  vocab: Record<string, number>;
  merges: [string, string][];
}

/** A normalizer, pre-tokenizer, post-processor or decoder section (`type` plus its own fields). */
export interface ComponentJson {
  type: string;
  [key: string]: unknown;
}

/** A whole `tokenizer.json`. */
export interface TokenizerJson {
  version: string;
  truncation: null | Record<string, unknown>;
  padding: null | Record<string, unknown>;
  added_tokens: AddedTokenJson[];
  normalizer: ComponentJson | null;
  pre_tokenizer: ComponentJson | null;
  post_processor: ComponentJson | null;
  decoder: ComponentJson | null;
  model: BpeModelJson | ComponentJson;
}
