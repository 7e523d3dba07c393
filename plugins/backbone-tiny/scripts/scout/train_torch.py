"""PyTorch scouting of the tiny backbone's architecture and schedule (NOT how the shipped model is made).

Trains the same LLaMA (RMSNorm, RoPE, SwiGLU, tied embeddings, GPT-2 init) on the lines written by
`dump-data.ts`, with the same loss (question tokens weighted), Adam, warm-up + cosine schedule and clip,
and writes an HF directory (`model.safetensors` f32, `config.json`, `tokenizer.json`) that crossedit loads
with `--model-dir`, so ROME can be measured on a scout. Rows it produced are labelled "PyTorch scouting"
in the README's study table.

  OMP_NUM_THREADS=1 /usr/bin/python3 train_torch.py DATA.json OUTDIR '{"hidden":128,...}'

Options beyond the architecture and schedule: `smooth` (label smoothing), `threads`, `bottleneck: p` (on a line
whose prompt holds its subject, with probability p the positions after the subject's last token may not attend
to the subject's other tokens, so what they learn of the subject passes through its last token; `bottleneck_until: f` lifts it after that
fraction of the steps, so the last steps adapt to the plain attention used at inference; `bottleneck_layer: l`
also hides the subject's last token from them at layers 0..l, so all they read of the subject is the residual
stream that layer l wrote there, the value ROME edits), `key_decor: λ` (add λ · the mean squared cosine
between the MLP keys, the down_proj inputs, of all real tokens of the batch at layer `key_decor_layer`
(default 1): the overlap through which a rank-one ROME update without whitening moves other prompts),
`iit: w` (interchange-intervention training, as `TrainConfig.interchange`: each step `iit_rows` pairs of
lines with the same prompt-with-the-subject-cut-out; one line's layer-`iit_layer` MLP output at its subject's
last token replaces the other's there, and w × the first line's answer loss is added; `iit_copy: p` makes a
pair, with probability p, a copy line's value put into any question, which must answer the copied string;
`iit_compose: q` makes such a copy source, with probability q, a new string: the copied strings of 2 or 3
random copy lines joined (`X1 X2? X1 X2`, at most 16 tokens), so the read-out learns to spell compositions
of known pieces rather than only the strings it saw),
`norm_every` (print the
per-layer mean MLP-output and residual norms on 32 training questions every n steps: the scale ROME's v*
step has to move; see the README's study).
"""
import json, math, os, random, struct, sys, time, shutil
import torch
import torch.nn.functional as F

data = json.load(open(sys.argv[1]))
out = sys.argv[2]
hp = dict(hidden=128, inter=512, layers=4, heads=4, lr=3e-3, min_lr=3e-4, warmup=50, epochs=20, bs=32,
          prompt_w=0.2, seed=1, clip=1.0, wd=0.0, max_minutes=1e9, smooth=0.0, threads=1, bottleneck=0.0, bottleneck_until=1.0, bottleneck_layer=-1, key_decor=0.0, key_decor_layer=1, iit=0.0, iit_rows=8, iit_layer=1, iit_until=1.0, iit_copy=0.0, iit_compose=0.0)
hp.update(json.loads(sys.argv[3]) if len(sys.argv) > 3 else {})
torch.manual_seed(hp['seed']); random.seed(hp['seed']); torch.set_num_threads(hp['threads'])
V = 6144; H = hp['hidden']; I = hp['inter']; L = hp['layers']; NH = hp['heads']; HD = H // NH
sp = data['special']; PAD = sp['pad']

def p(*shape, std=0.02):
    return torch.nn.Parameter(torch.randn(*shape) * std)
res = 0.02 / math.sqrt(2 * L)
W = {'model.embed_tokens.weight': p(V, H), 'model.norm.weight': torch.nn.Parameter(torch.ones(H))}
for l in range(L):
    pre = f'model.layers.{l}.'
    W[pre + 'input_layernorm.weight'] = torch.nn.Parameter(torch.ones(H))
    W[pre + 'post_attention_layernorm.weight'] = torch.nn.Parameter(torch.ones(H))
    for n in ['q_proj', 'k_proj', 'v_proj']: W[pre + f'self_attn.{n}.weight'] = p(H, H)
    W[pre + 'self_attn.o_proj.weight'] = p(H, H, std=res)
    W[pre + 'mlp.gate_proj.weight'] = p(I, H); W[pre + 'mlp.up_proj.weight'] = p(I, H)
    W[pre + 'mlp.down_proj.weight'] = p(H, I, std=res)
params = list(W.values())

def rms(x, w): return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-5) * w
inv = 1.0 / (10000 ** (torch.arange(0, HD, 2).float() / HD))
def rope(x, T):
    t = torch.arange(T).float(); f = torch.outer(t, inv); emb = torch.cat([f, f], -1)
    cos, sin = emb.cos(), emb.sin()
    x1, x2 = x[..., :HD // 2], x[..., HD // 2:]
    return x * cos + torch.cat([-x2, x1], -1) * sin
def forward(ids, stats=None, extra=None, keys=None, cap=None, patch=None):
    # keys: a list that receives the MLP keys (down_proj inputs) of layer key_decor_layer, for key_penalty
    # cap: (layer, rows, pos, list) receives the MLP output at those (row, pos); patch: (layer, rows, pos, values)
    # replaces it there (the interchange intervention of `iit`)
    B, T = ids.shape
    x = W['model.embed_tokens.weight'][ids]
    causal = torch.full((T, T), float('-inf')).triu(1)
    for l in range(L):
        # extra: one additive bias for every layer, or (bias of layers <= bottleneck_layer, bias of the others)
        mask = causal if extra is None else causal + (extra if not isinstance(extra, tuple) else extra[0] if l <= hp['bottleneck_layer'] else extra[1])
        pre = f'model.layers.{l}.'
        h = rms(x, W[pre + 'input_layernorm.weight'])
        q = (h @ W[pre + 'self_attn.q_proj.weight'].T).view(B, T, NH, HD).transpose(1, 2)
        k = (h @ W[pre + 'self_attn.k_proj.weight'].T).view(B, T, NH, HD).transpose(1, 2)
        v = (h @ W[pre + 'self_attn.v_proj.weight'].T).view(B, T, NH, HD).transpose(1, 2)
        q, k = rope(q, T), rope(k, T)
        a = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(HD) + mask, -1) @ v
        x = x + a.transpose(1, 2).reshape(B, T, H) @ W[pre + 'self_attn.o_proj.weight'].T
        h = rms(x, W[pre + 'post_attention_layernorm.weight'])
        act = F.silu(h @ W[pre + 'mlp.gate_proj.weight'].T) * (h @ W[pre + 'mlp.up_proj.weight'].T)
        if keys is not None and l == hp['key_decor_layer']: keys.append(act)
        mo = act @ W[pre + 'mlp.down_proj.weight'].T
        if cap is not None and l == cap[0]: cap[3].append(mo[cap[1], cap[2]])
        if patch is not None and l == patch[0]:
            mo = mo.clone(); mo[patch[1], patch[2]] = patch[3]
        x = x + mo
        if stats is not None: stats.append((mo.norm(dim=-1).mean().item(), x.norm(dim=-1).mean().item()))
    return rms(x, W['model.norm.weight']) @ W['model.embed_tokens.weight'].T

def key_penalty(act, ids):
    # mean squared cosine between the keys of all real tokens of the batch, ||K^T K / N||_F^2 of the unit keys
    # (1/I when isotropic, 1 when all parallel): what a rank-one update u = k/|k| spills onto other prompts
    k = act[ids != PAD]; k = k / (k.norm(dim=-1, keepdim=True) + 1e-6)
    g = k.T @ k / k.shape[0]
    return (g * g).sum()

def bottleneck(seqs, T, p=None):
    # subject bottleneck: positions after the subject's last token do not see the subject's other tokens
    b = torch.zeros(len(seqs), 1, T, T)
    early = torch.zeros(len(seqs), 1, T, T) if hp['bottleneck_layer'] >= 0 else None
    for r, s in enumerate(seqs):
        sp = s.get('subject')
        if sp and (random.random() < hp['bottleneck'] if p is None else p >= 1):
            f, l = sp
            b[r, 0, l + 1:, f:l] = float('-inf')
            if early is not None: early[r, 0, l + 1:, f:l + 1] = float('-inf')
    return b if early is None else (early, b)

def collate(seqs, pw):
    T = max(len(s['ids']) for s in seqs) - 1
    ids = torch.full((len(seqs), T), PAD, dtype=torch.long); tg = torch.full_like(ids, PAD); m = torch.zeros(len(seqs), T)
    for r, s in enumerate(seqs):
        n = len(s['ids']) - 1
        ids[r, :n] = torch.tensor(s['ids'][:-1]); tg[r, :n] = torch.tensor(s['ids'][1:]); m[r, :n] = 1
        if s['answerStart'] > 0: m[r, :s['answerStart'] - 1] = pw
    return ids, tg, m

def acc(seqs, masked=False):
    if not seqs: return float('nan')
    tot = 0.0
    with torch.no_grad():
        order = sorted(range(len(seqs)), key=lambda i: len(seqs[i]['ids']))
        for i in range(0, len(order), 64):
            b = [seqs[j] for j in order[i:i + 64]]
            ids, tg, _ = collate(b, 1)
            pred = forward(ids, extra=bottleneck(b, ids.shape[1], 1.0) if masked else None).argmax(-1)
            for r, s in enumerate(b):
                a0, a1 = s['answerStart'], s['answerEnd']
                tot += (pred[r, a0 - 1:a1 - 1] == torch.tensor(s['ids'][a0:a1])).float().mean().item()
    return tot / len(seqs)

train = data['train']
# iit: lines with a subject and an answer, grouped by the prompt with the subject cut out (same template =
# same relation): patching line B's layer-`iit_layer` MLP output at its subject's last token into line A's
# prompt must give B's answer (interchange intervention training: the fact is carried where ROME edits it)
groups = {}
for j, s_ in enumerate(train):
    if s_.get('subject') and s_['answerStart'] > 0 and s_['answerEnd'] > s_['answerStart']:
        f_, l_ = s_['subject']
        groups.setdefault((tuple(s_['ids'][:f_]), tuple(s_['ids'][l_ + 1:s_['answerStart']])), []).append(j)
groups = [g for g in groups.values() if len(g) >= 2]
iit_pool = [(gi, j) for gi, g in enumerate(groups) for j in g]
# iit_copy: p: with probability p a pair's source is a copy line (`X? X`, subject tokens = answer tokens) and
# its base any line with a subject and an answer: X's own code at that layer must make any question answer X
iit_any = [j for j, s_ in enumerate(train) if s_.get('subject') and s_['answerStart'] > 0 and s_['answerEnd'] > s_['answerStart']]
iit_copies = [j for j in iit_any if train[j]['ids'][train[j]['subject'][0]:train[j]['subject'][1] + 1] == train[j]['ids'][train[j]['answerStart']:train[j]['answerEnd']]]
def composed_copy():
    # `X1 X2 [X3]? X1 X2 [X3]` from random copy lines: the first line's prefix and `?` part around the joined strings
    parts = [train[random.choice(iit_copies)] for _ in range(random.choice((2, 3)))]
    x = [t for c in parts for t in c['ids'][c['subject'][0]:c['subject'][1] + 1]][:16]
    c0 = parts[0]; f0, l0 = c0['subject']
    pre, mid = c0['ids'][:f0], c0['ids'][l0 + 1:c0['answerStart']]
    ids = pre + x + mid + x + [sp['eos']]
    return dict(ids=ids, answerStart=len(pre) + len(x) + len(mid), answerEnd=len(pre) + 2 * len(x) + len(mid), subject=[len(pre), len(pre) + len(x) - 1])
def iit_loss(bn):
    picks = [iit_pool[random.randrange(len(iit_pool))] for _ in range(hp['iit_rows'])]
    src, base = [], []
    for gi, j in picks:
        k = j
        if hp['iit_copy'] > 0 and random.random() < hp['iit_copy']:
            j = random.choice(iit_any)
            while k == j: k = random.choice(iit_copies)
        else:
            while k == j: k = random.choice(groups[gi])
        a, b_ = train[j], train[k]
        if k in iit_copy_set and hp['iit_compose'] > 0 and random.random() < hp['iit_compose']: b_ = composed_copy()
        src.append(b_)
        ans = b_['ids'][b_['answerStart']:b_['answerEnd']]
        base.append(dict(ids=a['ids'][:a['answerStart']] + ans + [sp['eos']], answerStart=a['answerStart'], answerEnd=a['answerStart'] + len(ans), subject=a['subject']))
    rows = torch.arange(len(picks))
    sids, _, _ = collate(src, 1); got = []
    forward(sids, extra=bottleneck(src, sids.shape[1]) if bn else None, cap=(hp['iit_layer'], rows, torch.tensor([s_['subject'][1] for s_ in src]), got))
    bids, btg, bm = collate(base, 0.0)
    lg = forward(bids, extra=bottleneck(base, bids.shape[1]) if bn else None, patch=(hp['iit_layer'], rows, torch.tensor([s_['subject'][1] for s_ in base]), got[0]))
    return (F.cross_entropy(lg.reshape(-1, V), btg.reshape(-1), reduction='none') * bm.reshape(-1)).sum() / bm.sum()
iit_copy_set = set(iit_copies)
print('iit groups', len(groups), 'lines', len(iit_pool), 'copy sources', len(iit_copies), flush=True)
steps_per_epoch = math.ceil(len(train) / hp['bs'])
steps = hp.get('steps') or hp['epochs'] * steps_per_epoch
opt = torch.optim.AdamW(params, lr=hp['lr'], weight_decay=hp['wd']) if hp['wd'] else torch.optim.Adam(params, lr=hp['lr'])
def lr_at(s):
    if s < hp['warmup']: return hp['lr'] * (s + 1) / hp['warmup']
    t = min(1, (s - hp['warmup']) / max(1, steps - hp['warmup']))
    return hp['min_lr'] + 0.5 * (hp['lr'] - hp['min_lr']) * (1 + math.cos(math.pi * t))
nparam = sum(x.numel() for x in params)
print(f'params {nparam} lines {len(train)} steps {steps} ({steps_per_epoch}/epoch) hp {hp}', flush=True)
t0 = time.time(); tokens = 0; step = 0; log = []
def evaluate(tag):
    r = dict(step=step, sec=round(time.time() - t0), tokens=tokens, en=round(acc(data['evalFacts']['en']), 4), zh=round(acc(data['evalFacts']['zh']), 4),
             reph=round(acc(data['heldOutRephrases']), 4))
    if hp['bottleneck'] > 0: r['en_bottleneck'] = round(acc(data['evalFacts']['en'], True), 4)
    log.append(r); print(tag, json.dumps(r), flush=True)
for ep in range(math.ceil(steps / steps_per_epoch)):
    perm = list(range(len(train))); random.shuffle(perm)
    # length-bucketed groups of 16 batches, like BatchSchedule
    batches = []
    g = hp['bs'] * 16
    for i in range(0, len(perm), g):
        ch = sorted(perm[i:i + g], key=lambda j: len(train[j]['ids']))
        bb = [ch[k:k + hp['bs']] for k in range(0, len(ch), hp['bs'])]; random.shuffle(bb); batches += bb
    for b in batches:
        if step >= steps: break
        for gp in opt.param_groups: gp['lr'] = lr_at(step)
        seqs = [train[j] for j in b]
        ids, tg, m = collate(seqs, hp['prompt_w'])
        bn = hp['bottleneck'] > 0 and step < hp['bottleneck_until'] * steps
        ks = [] if hp['key_decor'] > 0 else None
        logits = forward(ids, extra=bottleneck(seqs, ids.shape[1]) if bn else None, keys=ks)
        loss = (F.cross_entropy(logits.reshape(-1, V), tg.reshape(-1), reduction='none', label_smoothing=hp['smooth']) * m.reshape(-1)).sum() / m.sum()
        pen = key_penalty(ks[0], ids) if ks else None
        if pen is not None: loss = loss + hp['key_decor'] * pen
        li = iit_loss(bn) if hp['iit'] > 0 and step < hp['iit_until'] * steps else None
        if li is not None: loss = loss + hp['iit'] * li
        opt.zero_grad(); loss.backward(); torch.nn.utils.clip_grad_norm_(params, hp['clip']); opt.step()
        tokens += int((m > 0).sum()); step += 1
        if step % hp.get('norm_every', 100) == 0:
            st = []
            with torch.no_grad(): forward(collate(data['evalFacts']['en'][:32], 1)[0], st)
            print('norms step', step, 'mlp', [round(a, 1) for a, _ in st], 'resid', [round(b, 1) for _, b in st], 'ratio1', round(st[1][0] / st[1][1], 3), flush=True)
        if step % 200 == 0: print(f'step {step} loss {loss.item():.3f}' + (f' keycos2 {pen.item():.4f}' if pen is not None else '') + (f' iit {li.item():.3f}' if li is not None else '') + f' {time.time() - t0:.0f}s {tokens / (time.time() - t0):.0f} tok/s', flush=True)
    evaluate(f'epoch {ep + 1}')
    if (time.time() - t0) / 60 > hp['max_minutes']: break
os.makedirs(out, exist_ok=True)
# safetensors by hand (header length, JSON header, raw little-endian f32)
hdr = {}; off = 0; blobs = []
for n, t in W.items():
    b = t.detach().float().contiguous().numpy().tobytes(); hdr[n] = dict(dtype='F32', shape=list(t.shape), data_offsets=[off, off + len(b)]); off += len(b); blobs.append(b)
hdr['__metadata__'] = {'format': 'pt'}
hj = json.dumps(hdr).encode(); hj += b' ' * ((8 - len(hj) % 8) % 8)
with open(os.path.join(out, 'model.safetensors'), 'wb') as f:
    f.write(struct.pack('<Q', len(hj))); f.write(hj); [f.write(b) for b in blobs]
here = os.path.dirname(os.path.abspath(__file__))
cfg = json.load(open(os.path.join(here, '../../assets/config.json')))
cfg.update(hidden_size=H, intermediate_size=I, num_hidden_layers=L, num_attention_heads=NH, num_key_value_heads=NH, torch_dtype='float32')
json.dump(cfg, open(os.path.join(out, 'config.json'), 'w'), indent=2)
shutil.copy(os.path.join(here, '../../assets/tokenizer.json'), os.path.join(out, 'tokenizer.json'))
json.dump(dict(hp=hp, params=nparam, log=log), open(os.path.join(out, 'scout.json'), 'w'))
print('wrote', out, flush=True)
