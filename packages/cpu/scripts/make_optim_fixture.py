#!/usr/bin/python3
"""Golden values for Adam / AdamW / clip_grad_norm_ from PyTorch (Debian's python3-torch).

Writes src/__fixtures__/optim.json: for each optimizer setting, the parameter after each of 4 steps with
fixed gradients. Run: /usr/bin/python3 scripts/make_optim_fixture.py
"""
import json
import torch

torch.set_default_dtype(torch.float64)
p0 = [0.5, -1.25, 2.0, 0.0, 3.5]
grads = [
    [0.1, -0.2, 0.3, 0.0, 1.5],
    [-0.4, 0.25, 0.05, 0.7, -2.0],
    [0.3, 0.3, -0.3, -0.1, 0.5],
    [1e-4, -5.0, 0.2, 0.2, 0.0],
]
cases = []
for name, make in [
    ('adam', lambda p: torch.optim.Adam([p], lr=0.1)),
    ('adam_wd', lambda p: torch.optim.Adam([p], lr=0.05, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
    ('adamw', lambda p: torch.optim.AdamW([p], lr=0.05, weight_decay=0.1)),
]:
    p = torch.nn.Parameter(torch.tensor(p0))
    opt = make(p)
    steps = []
    for g in grads:
        p.grad = torch.tensor(g)
        opt.step()
        steps.append(p.detach().tolist())
    cases.append({'name': name, 'steps': steps})

clip = []
for max_norm in [0.5, 100.0]:
    gs = [torch.tensor([3.0, 4.0]), torch.tensor([[1.0, -2.0], [2.0, 0.5]])]
    ps = [torch.nn.Parameter(torch.zeros_like(g)) for g in gs]
    for p, g in zip(ps, gs):
        p.grad = g.clone()
    total = torch.nn.utils.clip_grad_norm_(ps, max_norm)
    clip.append({'maxNorm': max_norm, 'norm': float(total), 'grads': [p.grad.flatten().tolist() for p in ps]})

json.dump({'torch': torch.__version__, 'p0': p0, 'grads': grads, 'cases': cases, 'clip': clip}, open('src/__fixtures__/optim.json', 'w'), indent=1)
print('wrote src/__fixtures__/optim.json with torch', torch.__version__)
