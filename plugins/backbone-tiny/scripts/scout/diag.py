"""Where can a v*-style delta move the answer? Residual norms per layer, and v* (Adam on a free delta added
to mlp output at (layer, subject-last)) reachability at each layer, on probe edits from dump-probes.mts.
  /usr/bin/python3 diag.py MODEL_DIR PROBES.json [steps] [clamp]"""
import json, struct, sys, math, os
import torch
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export_io import load_export
sys.path.insert(0, os.path.join(os.path.dirname(__file__), '../../../../benchmarks/torch'))
from edit_reference import Llama
torch.set_num_threads(1)
d = sys.argv[1]
W, hf = load_export(d)
cfg = dict(hiddenSize=hf['hidden_size'], numHeads=hf['num_attention_heads'], numKvHeads=hf['num_key_value_heads'], ropeBase=hf['rope_theta'],
           rmsNormEps=hf['rms_norm_eps'], numLayers=hf['num_hidden_layers'], intermediateSize=hf['intermediate_size'], tieEmbeddings=True)
m = Llama(cfg, W); L = cfg['numLayers']
probes = json.load(open(sys.argv[2])); steps = int(sys.argv[3]) if len(sys.argv) > 3 else 25; clampf = float(sys.argv[4]) if len(sys.argv) > 4 else 4
vlr = float(sys.argv[5]) if len(sys.argv) > 5 else 0.5
only = sys.argv[6].split(',') if len(sys.argv) > 6 else None
def row(p):
    ids = torch.tensor([p['ids'] + p['target_ids'][:-1]]); return ids, torch.ones_like(ids, dtype=torch.float32)
res = {}
for p in probes:
    ids, mask = row(p); P = len(p['ids']); tg = torch.tensor(p['target_ids'])
    with torch.no_grad():
        _, caps = m.forward(ids, mask, capture=[(c, l) for l in range(L) for c in ('down.out', 'layer.out')])
    norms = [round(caps[('layer.out', l)][0, -1].norm().item(), 1) for l in range(L)]
    mlpn = [round(caps[('down.out', l)][0, p['subjLast']].norm().item(), 2) for l in range(L)]
    out = {}
    for l in range(L):
        for pos_name, pos in (('subj', p['subjLast']), ('last', P - 1)):
            if pos_name == 'last' and pos == p['subjLast']: continue
            if only and f'{pos_name}{l}' not in only: continue
            v0 = caps[('down.out', l)][0, pos].detach(); delta = torch.zeros_like(v0, requires_grad=True)
            opt = torch.optim.Adam([delta], lr=vlr); mx = clampf * v0.norm()
            for it in range(steps):
                lg, _ = m.forward(ids, mask, add=('mlp', l, torch.tensor([0]), torch.tensor([pos]), delta[None]))
                nll = torch.nn.functional.cross_entropy(lg[0, P - 1: P - 1 + len(tg)], tg)
                if it == 0: n0 = nll.item()
                if it == steps - 1: break
                opt.zero_grad(); nll.backward(); opt.step()
                with torch.no_grad():
                    if delta.norm() > mx: delta.mul_(mx / delta.norm())
            out[f'{pos_name}{l}'] = round(nll.item(), 2)
    print(p['kind'], p['subject'][:24].ljust(24), 'n0', round(n0, 2), 'resid|last', norms, '|mlp@subj', mlpn, out, flush=True)
