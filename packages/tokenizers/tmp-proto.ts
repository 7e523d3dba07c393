import { fromBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema } from './src/gen/sentencepiece_model_pb.js';
import fs from 'node:fs';
import { Tokenizer } from 'tokenizers';
const name = process.argv[2];
const m = fromBinary(ModelProtoSchema, fs.readFileSync(`/work/shared/tokenizers/${name}/tokenizer.model`));
const vocab: Record<string, number> = {};
m.pieces.forEach((p, i) => { vocab[p.piece] = i; });
const merges: [string, string, number][] = [];
m.pieces.forEach((p, i) => {
  if (!(p.type === 1 || p.type === 4 || p.type === 5)) return;
  const s = [...p.piece]; const local: [string,string,number][] = [];
  for (let k = 1; k < s.length; k++) { const l = s.slice(0,k).join(''), r = s.slice(k).join(''); if (l in vocab && r in vocab) local.push([l, r, p.score]); }
  local.sort((a,b)=> vocab[a[0]]-vocab[b[0]] || vocab[a[1]]-vocab[b[1]]);
  merges.push(...local);
});
merges.sort((a,b)=> b[2]-a[2]);
const added = m.pieces.map((p,i)=>({p,i})).filter(({p})=>p.type===2||p.type===3||p.type===4).map(({p,i})=>({id:i,content:p.piece,single_word:false,lstrip:false,rstrip:false,normalized:false,special:p.type!==4}));
const norms: any[] = [];
if (m.normalizerSpec!.precompiledCharsmap.length) norms.push({type:'Precompiled', precompiled_charsmap: Buffer.from(m.normalizerSpec!.precompiledCharsmap).toString('base64')});
norms.push({type:'Prepend', prepend:'▁'}, {type:'Replace', pattern:{String:' '}, content:'▁'});
const json = { version:'1.0', truncation:null, padding:null, added_tokens: added,
  normalizer:{type:'Sequence', normalizers: norms}, pre_tokenizer:null,
  post_processor:null,
  decoder:{type:'Sequence',decoders:[{type:'Replace',pattern:{String:'▁'},content:' '},{type:'ByteFallback'},{type:'Fuse'},{type:'Strip',content:' ',start:1,stop:0}]},
  model:{type:'BPE',dropout:null,unk_token:'<unk>',continuing_subword_prefix:null,end_of_word_suffix:null,fuse_unk:true,byte_fallback:true,ignore_merges:false,vocab,merges:merges.map(([a,b])=>[a,b])}};
const s = JSON.stringify(json);
let t0 = performance.now();
const tok = Tokenizer.fromString(s);
console.log('load ms', performance.now()-t0, 'merges', merges.length);
const ref = JSON.parse(fs.readFileSync('/tmp/proto/sp.json','utf8'));
const lines: string[] = ref.lines;
t0 = performance.now();
const encs = await tok.encodeBatch(lines, { addSpecialTokens: false });
console.log('encode ms', performance.now()-t0);
let bad = 0; const exp: number[][] = ref[name];
for (let i = 0; i < lines.length; i++) { const a = encs[i].getIds(); const b = exp[i];
  if (a.length !== b.length || a.some((x,j)=>x!==b[j])) { if (bad < 8) console.log(JSON.stringify(lines[i]), '\n hf', encs[i].getTokens().join('|'), '\n sp', b.map(i=>m.pieces[i].piece).join('|')); bad++; } }
console.log(name, 'mismatch lines', bad, '/', lines.length);
