"""Teacher-forced answer accuracy of the first 60 trained English facts without and with context prefixes that the
model generates itself the way ROME builds its context templates (top-5 sampling from "The", "Therefore", ...).
  OMP_NUM_THREADS=1 /usr/bin/python3 prefix_acc.py MODEL_DIR DATA.json   (DATA.json from dump-data.ts)"""
import json, sys, torch
import os; here = os.path.dirname(os.path.abspath(__file__)); sys.path.insert(0, here); sys.path.insert(0, os.path.join(here, '../../../../benchmarks/torch'))
from export_io import load_export
from edit_reference import Llama
torch.set_num_threads(1); torch.manual_seed(0)
W, hf = load_export(sys.argv[1]); data = json.load(open(sys.argv[2]))
cfg = dict(hiddenSize=hf['hidden_size'], numHeads=hf['num_attention_heads'], numKvHeads=hf['num_key_value_heads'], ropeBase=hf['rope_theta'],
           rmsNormEps=hf['rms_norm_eps'], numLayers=hf['num_hidden_layers'], intermediateSize=hf['intermediate_size'], tieEmbeddings=True)
m = Llama(cfg, W)
voc = json.load(open(os.path.join(here, '../../assets/tokenizer.json')))['model']['vocab']; inv = {v: k for k, v in voc.items()}
def lg(ids):
    t = torch.tensor([ids]); return m.forward(t, torch.ones_like(t, dtype=torch.float32))[0][0]
prefixes = []
for w in ['▁The', '▁Therefore', '▁Because', '▁I', '▁You']:
    for n in (5, 10):
        ids = [1, voc[w]] if w in voc else [1]
        for _ in range(n - 1):
            p = torch.softmax(lg(ids)[-1], -1); top = p.topk(5); ids.append(top.indices[torch.multinomial(top.values, 1)].item())
        prefixes.append(ids[1:] + [voc.get('.', voc.get('▁.'))])
print('prefixes:', [''.join(inv[i] for i in p).replace('▁', ' ') for p in prefixes[:4]])
facts = data['evalFacts']['en'][:60]
def acc(pre):
    tot = 0
    for s in facts:
        ids = [1] + pre + s['ids'][1:]; off = len(pre)
        pr = lg(ids[:-1]).argmax(-1); a0, a1 = s['answerStart'] + off, s['answerEnd'] + off
        tot += (pr[a0 - 1:a1 - 1] == torch.tensor(ids[a0:a1])).float().mean().item()
    return tot / len(facts)
print('no prefix', round(acc([]), 3), 'with prefixes', [round(acc(p), 3) for p in prefixes[:6]])
