"""Causal tracing (ROME paper, section 2.1) on a tiny-backbone export: where does a question read its answer?
Subject token embeddings are corrupted with Gaussian noise (3x the embeddings' std, 10 draws); the clean
hidden state (layer output) of one (layer, position) is restored; the table is the mean recovered
probability of the answer's first token, normalised as (p_restored - p_corrupt) / (p_clean - p_corrupt), at
the subject's last token, the first subject token and the prompt's last token, for training facts the
model answers (probes from dump-probes.mts: the `train` probes' own question and answer are used).
  OMP_NUM_THREADS=1 /usr/bin/python3 causal.py MODEL_DIR PROBES.json"""
import json, math, os, struct, sys
import torch
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export_io import load_export
torch.set_num_threads(1); torch.manual_seed(0)
d = sys.argv[1]
W, hf = load_export(d)
H, L, NH = hf['hidden_size'], hf['num_hidden_layers'], hf['num_attention_heads']; HD = H // NH
inv = 1.0 / (hf['rope_theta'] ** (torch.arange(0, HD, 2).float() / HD))
def rms(x, w): return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + hf['rms_norm_eps']) * w
def rope(x, T):
    f = torch.outer(torch.arange(T).float(), inv); emb = torch.cat([f, f], -1)
    return x * emb.cos() + torch.cat([-x[..., HD // 2:], x[..., :HD // 2]], -1) * emb.sin()
@torch.no_grad()
def forward(x, restore=None):
    """x: [B, T, H] input embeddings; restore = (layer, pos, clean [B, H]) sets that layer output; returns (probs at last, layer outs)."""
    B, T, _ = x.shape; mask = torch.full((T, T), float('-inf')).triu(1); outs = []
    for l in range(L):
        p = f'model.layers.{l}.'
        h = rms(x, W[p + 'input_layernorm.weight'])
        q, k, v = [(h @ W[p + f'self_attn.{m}_proj.weight'].T).view(B, T, NH, HD).transpose(1, 2) for m in 'qkv']
        a = torch.softmax(rope(q, T) @ rope(k, T).transpose(-1, -2) / math.sqrt(HD) + mask, -1) @ v
        x = x + a.transpose(1, 2).reshape(B, T, H) @ W[p + 'self_attn.o_proj.weight'].T
        h = rms(x, W[p + 'post_attention_layernorm.weight'])
        x = x + (torch.nn.functional.silu(h @ W[p + 'mlp.gate_proj.weight'].T) * (h @ W[p + 'mlp.up_proj.weight'].T)) @ W[p + 'mlp.down_proj.weight'].T
        if restore is not None and restore[0] == l: x = x.clone(); x[:, restore[1]] = restore[2]
        outs.append(x)
    return torch.softmax(rms(x, W['model.norm.weight'])[:, -1] @ W['model.embed_tokens.weight'].T, -1), outs
E = W['model.embed_tokens.weight']; noise = 3 * E.std().item(); R = 10
probes = [p for p in json.load(open(sys.argv[2])) if p['kind'] == 'train']
tot = {}; used = 0
for p in probes:
    ids = torch.tensor(p['ids']); T = len(ids); s1 = p['subjLast']
    s0 = p['subjFirst']  # the subject's first token (dump-probes.mts)
    ans = p['answer_ids'][0]  # the first token of the fact's own answer
    clean_p, clean_outs = forward(E[ids][None])
    x = E[ids][None].repeat(R, 1, 1); x[:, s0:s1 + 1] += noise * torch.randn(R, s1 + 1 - s0, H)
    cor_p, _ = forward(x)
    pc, pk = clean_p[0, ans].item(), cor_p[:, ans].mean().item()
    if pc - pk < 0.05: continue
    used += 1
    for l in range(L):
        for name, pos in (('subj_first', s0), ('subj_last', s1), ('last', T - 1)):
            rp, _ = forward(x, (l, pos, clean_outs[l][0, pos].expand(R, H)))
            tot.setdefault((name, l), []).append((rp[:, ans].mean().item() - pk) / (pc - pk))
print(f'{d}: {used} of {len(probes)} training facts (p_clean - p_corrupt >= 0.05); rows: position, columns: layers 0..{L - 1}')
for name in ('subj_first', 'subj_last', 'last'):
    print(name.ljust(11), ' '.join(f'{sum(tot[(name, l)]) / len(tot[(name, l)]):6.2f}' for l in range(L)))
