/** HF tokenizers wrapper and SentencePiece tokenizer.model import through protobuf. */
export {};
