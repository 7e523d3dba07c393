#!/usr/bin/env python3
"""PyTorch fp32 reference of the edits `pnpm bench methods --stories` times (ROME, MEMIT, FT).

The benchmark (benchmarks/src/stories-torch.ts) writes the problem: the model's weights exactly as the
project holds them (HF names, f32, little-endian) and the token rows it built with the project's own
row helpers. This script runs the same algorithm in PyTorch eager fp32, as HF transformers + EasyEdit
would (LLaMA forward with hooks at the edited module, Adam on delta / the weight), and answers one
command per line on stdin, so that the benchmark can interleave it with the project's edits:

    rome | memit | ft   -> one JSON line {"ms": <wall>, "cpuMs": <process CPU time>, "deltas": [[flat dW], ...]}
    quit

Run by the benchmark with /usr/bin/python3 (Debian's python3-torch), 2 threads, OMP_WAIT_POLICY=PASSIVE.
"""
import json
import math
import sys
import time

import torch

MASKED = -1e9


def load(problem_path):
    with open(problem_path) as f:
        prob = json.load(f)
    raw = open(prob["weightsFile"], "rb").read()
    weights = {}
    for w in prob["weights"]:
        n = 1
        for d in w["shape"]:
            n *= d
        t = torch.frombuffer(bytearray(raw[w["offset"]: w["offset"] + 4 * n]), dtype=torch.float32)
        weights[w["name"]] = t.reshape(w["shape"]).clone()
    return prob, weights


class Llama:
    """Eager LLaMA forward (RMSNorm, RoPE rotate_half, GQA by repeat, SiLU-gated MLP)."""

    def __init__(self, cfg, w):
        self.c = cfg
        self.w = w
        self.dh = cfg["hiddenSize"] // cfg["numHeads"]
        i = torch.arange(0, self.dh // 2, dtype=torch.get_default_dtype())
        self.inv_freq = 1.0 / (cfg["ropeBase"] ** (2 * i / self.dh))

    def rms(self, x, w):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.c["rmsNormEps"]) * w

    def rope(self, x, pos):  # x [B, H, S, Dh], pos [B, S]
        f = pos[:, None, :, None].to(self.inv_freq.dtype) * self.inv_freq  # [B,1,S,Dh/2]
        cos = torch.cat([f.cos(), f.cos()], -1)
        sin = torch.cat([f.sin(), f.sin()], -1)
        h = self.dh // 2
        rot = torch.cat([-x[..., h:], x[..., :h]], -1)
        return x * cos + rot * sin

    def forward(self, ids, mask, add=None, capture=(), stop=None):
        """add = (kind, layer, rows, pos, delta) with kind 'mlp' (MLP output) or 'layer' (layer output);
        capture = [(kind, layer)] with kind in 'down.in', 'down.out', 'layer.out'; returns (logits, caps)."""
        c, w = self.c, self.w
        b, s = ids.shape
        H, Hkv = c["numHeads"], c["numKvHeads"]
        pos = ((torch.cumsum(mask, 1) - 1) * mask).long()
        causal = torch.tril(torch.ones(s, s))
        bias = (causal[None, None] * mask[:, None, None, :] - 1) * -MASKED
        x = w["model.embed_tokens.weight"][ids]
        caps = {}
        last = c["numLayers"] - 1 if stop is None else stop
        for l in range(last + 1):
            p = f"model.layers.{l}."
            a = self.rms(x, w[p + "input_layernorm.weight"])
            q = (a @ w[p + "self_attn.q_proj.weight"].T).view(b, s, H, self.dh).transpose(1, 2)
            k = (a @ w[p + "self_attn.k_proj.weight"].T).view(b, s, Hkv, self.dh).transpose(1, 2)
            v = (a @ w[p + "self_attn.v_proj.weight"].T).view(b, s, Hkv, self.dh).transpose(1, 2)
            q, k = self.rope(q, pos), self.rope(k, pos)
            k = k.repeat_interleave(H // Hkv, 1)
            v = v.repeat_interleave(H // Hkv, 1)
            att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(self.dh) + bias, -1) @ v
            x = x + att.transpose(1, 2).reshape(b, s, H * self.dh) @ w[p + "self_attn.o_proj.weight"].T
            m = self.rms(x, w[p + "post_attention_layernorm.weight"])
            key = torch.nn.functional.silu(m @ w[p + "mlp.gate_proj.weight"].T) * (m @ w[p + "mlp.up_proj.weight"].T)
            out = key @ w[p + "mlp.down_proj.weight"].T
            if ("down.in", l) in capture:
                caps[("down.in", l)] = key
            if ("down.out", l) in capture:
                caps[("down.out", l)] = out
            if add is not None and add[0] == "mlp" and add[1] == l:
                out = out.index_put((add[2], add[3]), add[4], accumulate=True)
            x = x + out
            if ("layer.out", l) in capture:  # read before delta is added, as the project's hook does
                caps[("layer.out", l)] = x
            if add is not None and add[0] == "layer" and add[1] == l:
                x = x.index_put((add[2], add[3]), add[4], accumulate=True)
        if stop is not None:
            return None, caps
        f = self.rms(x, w["model.norm.weight"])
        head = w["model.embed_tokens.weight"] if c.get("tieEmbeddings") else w["lm_head.weight"]
        return f @ head.T, caps


def pad(rows):
    s = max(len(r["ids"]) for r in rows)
    ids = torch.zeros(len(rows), s, dtype=torch.long)
    mask = torch.zeros(len(rows), s)
    for i, r in enumerate(rows):
        ids[i, : len(r["ids"])] = torch.tensor(r["ids"])
        mask[i, : len(r["ids"])] = 1
    return ids, mask


@torch.no_grad()
def at_lookup(model, rows, specs):
    ids, mask = pad(rows)
    stop = max(l for _, l in specs)
    _, caps = model.forward(ids, mask, capture=specs, stop=stop)
    r = torch.arange(len(rows))
    p = torch.tensor([row["lookup"] for row in rows])
    return [caps[sp][r, p] for sp in specs]


def optimize_delta(model, rows, kl_row, kind, layer, hp, trace=None):
    """ROME's v* / MEMIT's z: Adam on delta added at the lookup token of every row (see optimize-delta.ts).
    `trace`, a dict if given, receives v0, delta and the total loss per evaluated iteration."""
    allr = rows + [kl_row]
    ids, mask = pad(allr)
    s = ids.shape[1]
    r_idx = torch.arange(len(allr))
    p_idx = torch.tensor([r["lookup"] for r in allr])
    lab_pos = torch.tensor([i * s + p for i, r in enumerate(rows) for p, _ in r["labels"]])
    lab_ids = torch.tensor([t for r in rows for _, t in r["labels"]])
    kl_pos = len(rows) * s + kl_row["lookup"]
    d = model.c["hiddenSize"]
    delta = torch.zeros(d, requires_grad=True)
    opt = torch.optim.Adam([delta], lr=hp["lr"])
    cap = ("down.out", layer) if kind == "mlp" else ("layer.out", layer)
    v0 = None
    lp0 = None
    max_norm = None
    for it in range(hp["numSteps"]):
        opt.zero_grad()
        logits, caps = model.forward(ids, mask, add=(kind, layer, r_idx, p_idx, delta.expand(len(allr), d)), capture=[cap])
        if v0 is None:
            v0 = caps[cap][0, allr[0]["lookup"]].detach()
            max_norm = hp["clampNormFactor"] * v0.norm()
        flat = logits.reshape(-1, logits.shape[-1])
        nll = torch.nn.functional.cross_entropy(flat[lab_pos], lab_ids)
        lp = torch.log_softmax(flat[kl_pos], -1)
        if lp0 is None:
            lp0 = lp.detach()
        kl = hp["klFactor"] * torch.sum(lp.exp() * (lp - lp0))
        wd = hp["weightDecay"] * torch.sqrt(torch.sum(delta**2) + 1e-20) / torch.sum(v0**2)
        loss = nll + kl + wd
        if trace is not None:
            trace.setdefault("losses", []).append(loss.item())
        if loss.item() < hp["earlyStopLoss"] or it == hp["numSteps"] - 1:
            break
        loss.backward()
        opt.step()
        with torch.no_grad():
            n = delta.norm()
            if n > max_norm:
                delta.mul_(max_norm / (n + 1e-30))
    if trace is not None:
        trace["v0"], trace["delta"] = v0, delta.detach()
    return (v0 + delta).detach()


@torch.no_grad()
def second_moment(model, rows, layer):
    """C = (1/N) sum_t k_t k_t^T of the down_proj input over every non-padding token of `rows` (uncentred,
    as the reference's layer_stats and the project's buildSecondMoments)."""
    ids, mask = pad([{"ids": r} for r in rows])
    _, caps = model.forward(ids, mask, capture=[("down.in", layer)], stop=layer)
    k = (caps[("down.in", layer)] * mask[..., None]).reshape(-1, model.c["intermediateSize"])
    return k.T @ k / mask.sum()


def rome_step(model, p, mom2=None):
    """One ROME edit with every intermediate: u (k-bar / |k-bar|, or C^-1 k-bar / |C^-1 k-bar| when `mom2`
    is the second moment C), v* and the insert v_r = (v* - W k*) / (k* . u); dW = outer(v_r, u)."""
    l = p["layer"]
    (keys,) = at_lookup(model, p["templateRows"], [("down.in", l)])
    k = keys.mean(0)
    u = k if mom2 is None else torch.linalg.solve(mom2, k)
    u = u / u.norm()
    trace = {}
    v_star = optimize_delta(model, p["rewriteRows"], p["klRow"], "mlp", l, p["hp"], trace)
    k_star, wk = at_lookup(model, [p["insertRow"]], [("down.in", l), ("down.out", l)])
    right = (v_star - wk[0]) / torch.dot(k_star[0], u)
    return {"kMean": k, "u": u, "v0": trace["v0"], "vStar": v_star, "kStar": k_star[0], "wkStar": wk[0], "right": right, "losses": trace["losses"]}


def rome(model, p):
    s = rome_step(model, p)
    return [torch.outer(s["right"], s["u"])]


def memit(model, p):
    layers = p["layers"]
    z_layer = layers[-1]
    z = optimize_delta(model, p["rewriteRows"], p["klRow"], "layer", z_layer, p["hp"])
    w = model.w
    saved = {}
    deltas = []
    try:
        for i, l in enumerate(layers):
            (keys,) = at_lookup(model, p["keyRows"], [("down.in", l)])
            k = torch.zeros(keys.shape[1])
            at = 0
            for g in p["groups"]:
                k += keys[at: at + g].mean(0) / len(p["groups"])
                at += g
            (h,) = at_lookup(model, [p["hiddenRow"]], [("layer.out", z_layer)])
            resid = (z - h[0]) / (len(layers) - i)
            c = torch.tensor(p["secondMoment"][str(l)], dtype=torch.get_default_dtype()).reshape(k.shape[0], k.shape[0])
            kk = k[:, None]
            a = torch.linalg.solve(p["lambda"] * c + kk @ kk.T, kk)  # [M, 1]
            dw = resid[:, None] @ a.T
            name = f"model.layers.{l}.mlp.down_proj.weight"
            saved[name] = w[name]
            w[name] = w[name] + dw
            deltas.append(dw)
    finally:
        w.update(saved)
    return deltas


def ft(model, p):
    name = f"model.layers.{p['layer']}.mlp.down_proj.weight"
    w0 = model.w[name]
    rows = p["rows"]
    ids, mask = pad(rows)
    labels = torch.zeros_like(ids)
    lmask = torch.zeros_like(mask)
    for i, r in enumerate(rows):
        for j, t in enumerate(r["targetIds"]):
            labels[i, r["promptLen"] - 1 + j] = t
            lmask[i, r["promptLen"] - 1 + j] = 1
    param = w0.clone().requires_grad_(True)
    opt = torch.optim.Adam([param], lr=p["lr"])
    lo, hi = w0 - p["normConstraint"], w0 + p["normConstraint"]
    try:
        model.w[name] = param
        for _ in range(p["numSteps"]):
            opt.zero_grad()
            logits, _ = model.forward(ids, mask)
            lp = torch.log_softmax(logits, -1)
            nll = -lp.gather(-1, labels[..., None])[..., 0]
            loss = (nll * lmask).sum() / lmask.sum()
            if loss.item() < p["earlyStopLoss"]:
                break
            loss.backward()
            opt.step()
            with torch.no_grad():
                param.copy_(torch.max(torch.min(param, hi), lo))
        return [(param - w0).detach()]
    finally:
        model.w[name] = w0


def main():
    torch.set_num_threads(int(sys.argv[2]) if len(sys.argv) > 2 else 2)
    prob, weights = load(sys.argv[1])
    model = Llama(prob["config"], weights)
    run = {"rome": rome, "memit": memit, "ft": ft}
    print(json.dumps({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)
    for line in sys.stdin:
        cmd = line.strip()
        if cmd == "quit" or cmd == "":
            break
        t0, c0 = time.perf_counter(), time.process_time()
        deltas = run[cmd](model, prob[cmd])
        ms = (time.perf_counter() - t0) * 1000
        cpu_ms = (time.process_time() - c0) * 1000
        print(json.dumps({"ms": ms, "cpuMs": cpu_ms, "deltas": [d.flatten().tolist() for d in deltas]}), flush=True)


if __name__ == "__main__":
    main()
