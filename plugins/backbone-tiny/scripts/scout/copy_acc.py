"""Copy read-out of a scout (subject-bottleneck study): teacher-forced accuracy of the second copy in `target? target`
lines of Bi-ZsRE test targets (never trained on), plain attention.
  OMP_NUM_THREADS=1 /usr/bin/python3 copy_acc.py MODEL_DIR COPY.json   (COPY.json from dump-copy.mts)"""
import json, sys, torch, math
import os; here = os.path.dirname(os.path.abspath(__file__)); sys.path.insert(0, here); sys.path.insert(0, os.path.join(here, '../../../../benchmarks/torch'))
from export_io import load_export
from edit_reference import Llama
torch.set_num_threads(1)
W, hf = load_export(sys.argv[1]); P = json.load(open(sys.argv[2]))
cfg = dict(hiddenSize=hf['hidden_size'], numHeads=hf['num_attention_heads'], numKvHeads=hf['num_key_value_heads'], ropeBase=hf['rope_theta'],
           rmsNormEps=hf['rms_norm_eps'], numLayers=hf['num_hidden_layers'], intermediateSize=hf['intermediate_size'], tieEmbeddings=True)
m = Llama(cfg, W); tot = 0; first = 0
for p in P:
    t = torch.tensor([p['ids'][:-1]]); pr = m.forward(t, torch.ones_like(t, dtype=torch.float32))[0][0].argmax(-1)
    a0, a1 = p['answerStart'], p['answerEnd']
    ok = (pr[a0 - 1:a1 - 1] == torch.tensor(p['ids'][a0:a1])).float(); tot += ok.mean().item(); first += ok[0].item()
print('copy acc (unmasked, novel test targets)', round(tot / len(P), 3), 'first token', round(first / len(P), 3))
