/** A BERT-family sentence encoder (sentence-transformers directories) for retrieval. */
export { BertEncoder, type BertEncoderOptions } from './sentence-encoder.js';
export { BertModel } from './bert.js';
export { parseBertConfig, bertWeightShapes, type BertConfig, type BertActivation } from './config.js';
export { erf, gelu, geluTanh, layerNorm } from './activations.js';
export { meanPool, clsPool, l2Normalize, type PoolingMode } from './pooling.js';
export { WordPieceTokenizer, type WordPieceBatch } from './wordpiece.js';
export { loadBertDirectory, type LoadBertOptions, type LoadedBert } from './load.js';
