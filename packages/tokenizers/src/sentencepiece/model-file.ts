/** Reading and checking a SentencePiece `tokenizer.model` (a serialized `sentencepiece.ModelProto`). */
import { readFileSync } from 'node:fs';
import { fromBinary } from '@bufbuild/protobuf';
import { FormatError } from '@crossedit/core';
import {
  ModelProto_SentencePiece_Type as PieceType,
  ModelProtoSchema,
  TrainerSpec_ModelType as ModelType,
  type ModelProto,
} from '../gen/sentencepiece_model_pb.js';

export { PieceType, ModelType };
export type { ModelProto };

/**
 * Decodes the bytes of a `tokenizer.model` and checks what crossedit relies on: at least one piece, no
 * empty piece, a trainer and a normalizer spec (a file cut short usually loses them, as they follow the
 * pieces), special ids inside the vocabulary.
 *
 * @param bytes the file's content
 * @param file the file's path, used in error messages
 * @throws FormatError naming `file` and what was wrong
 */
export function parseModelProto(bytes: Uint8Array, file: string): ModelProto {
  if (bytes.length === 0) throw new FormatError(file, 'empty file; expected a serialized sentencepiece.ModelProto');
  let proto: ModelProto;
  try {
    proto = fromBinary(ModelProtoSchema, bytes);
  } catch (e) {
    throw new FormatError(
      file,
      `not a SentencePiece model: protobuf decoding failed (${(e as Error).message}); the file is truncated or not a serialized sentencepiece.ModelProto`,
    );
  }
  const n = proto.pieces.length;
  if (n === 0) throw new FormatError(file, 'ModelProto.pieces (field 1) is empty; not a SentencePiece model');
  if (!proto.trainerSpec) {
    throw new FormatError(file, `ModelProto.trainer_spec (field 2) is missing after ${n} pieces; the file is truncated or not a SentencePiece model`);
  }
  if (!proto.normalizerSpec) {
    throw new FormatError(file, `ModelProto.normalizer_spec (field 3) is missing after ${n} pieces; the file is truncated or not a SentencePiece model`);
  }
  proto.pieces.forEach((p, i) => {
    if (p.piece === '') throw new FormatError(file, `ModelProto.pieces[${i}].piece is empty; every piece must be a non-empty string`);
  });
  const ts = proto.trainerSpec;
  const checkId = (name: string, id: number, optional: boolean) => {
    if (optional && id < 0) return;
    if (id < 0 || id >= n) throw new FormatError(file, `TrainerSpec.${name} = ${id} is outside the vocabulary of ${n} pieces`);
  };
  checkId('unk_id', ts.unkId, false);
  checkId('bos_id', ts.bosId, true);
  checkId('eos_id', ts.eosId, true);
  checkId('pad_id', ts.padId, true);
  if (proto.pieces[ts.unkId].type !== PieceType.UNKNOWN) {
    throw new FormatError(file, `TrainerSpec.unk_id = ${ts.unkId} but piece ${JSON.stringify(proto.pieces[ts.unkId].piece)} is not of type UNKNOWN`);
  }
  return proto;
}

/**
 * Reads and checks a `tokenizer.model` file (see {@link parseModelProto}).
 *
 * @example
 * const proto = readModelProto('../shared/tokenizers/baichuan-7b/tokenizer.model');
 * proto.pieces.length; // 64000
 */
export function readModelProto(file: string): ModelProto {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new FormatError(file, `cannot read the SentencePiece model: ${(e as Error).message}`);
  }
  return parseModelProto(bytes, file);
}

/** The name of a `TrainerSpec.ModelType` value, for messages. */
export function modelTypeName(t: ModelType): string {
  return ModelType[t] ?? `unknown model type ${t}`;
}
