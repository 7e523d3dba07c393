import { fromBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema } from './src/gen/sentencepiece_model_pb.js';
import fs from 'node:fs';
for (const n of ['chinese-llama-plus-7b','chinese-llama-2-7b','baichuan-7b']) {
  const m = fromBinary(ModelProtoSchema, fs.readFileSync(`/work/shared/tokenizers/${n}/tokenizer.model`));
  const ts = m.trainerSpec!, ns = m.normalizerSpec!;
  console.log(n, m.pieces.length, {mt: ts.modelType, vs: ts.vocabSize, sd: ts.splitDigits, bf: ts.byteFallback, unk: ts.unkId, bos: ts.bosId, eos: ts.eosId, pad: ts.padId, ctrl: ts.controlSymbols, ud: ts.userDefinedSymbols.length, tws: ts.treatWhitespaceAsSuffix});
  console.log('  norm', ns.name, ns.precompiledCharsmap.length, ns.addDummyPrefix, ns.removeExtraWhitespaces, ns.escapeWhitespaces);
  const types: Record<number, number> = {}; for (const p of m.pieces) types[p.type] = (types[p.type]??0)+1; console.log('  types', types);
  const sc = m.pieces.map(p=>p.score); 
  const dupScores = new Map<number,number>(); for (const s of sc) dupScores.set(s,(dupScores.get(s)??0)+1);
  console.log('  distinct scores', dupScores.size, 'score0 count', dupScores.get(0), 'first', m.pieces.slice(0,5).map(p=>[p.piece,p.score,p.type]), 'ex', m.pieces.slice(32000,32005).map(p=>[p.piece,p.score,p.type]), m.pieces.slice(-3).map(p=>[p.piece,p.score,p.type]));
  const ud = m.pieces.filter(p=>p.type===4).slice(0,20).map(p=>p.piece); console.log('  ud', JSON.stringify(ud));
}
