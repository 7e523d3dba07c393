#!/usr/bin/env python3
"""PyTorch fp32 reference of the training step `pnpm bench train-speed` times.

The benchmark (benchmarks/src/train-speed.ts) writes the problem: the LLaMA config, the initial weights
exactly as the project holds them (HF names, f32, little-endian, tied embeddings) and the collated
batches of every step. This script runs the step of plugins/backbone-tiny/scripts/scout/train_torch.py
(eager forward, masked next-token cross-entropy, backward, clip_grad_norm_, Adam or AdamW) and answers
one command per line on stdin, so that the benchmark can interleave it with the project's steps:

    step <i> <lr>   -> one JSON line {"ms": <wall>, "cpuMs": <process CPU time>, "loss": .., "gradNorm": ..}
    quit

Run by the benchmark with /usr/bin/python3 (Debian's python3-torch), OMP_NUM_THREADS=<threads>.
"""
import json
import math
import sys
import time

import torch
import torch.nn.functional as F


def main():
    prob = json.load(open(sys.argv[1]))
    threads = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    torch.set_num_threads(threads)
    c = prob["config"]
    H, L, NH, V = c["hiddenSize"], c["numLayers"], c["numHeads"], c["vocabSize"]
    HD = H // NH
    eps = c["rmsNormEps"]
    raw = open(prob["weightsFile"], "rb").read()
    W = {}
    for w in prob["weights"]:
        n = math.prod(w["shape"])
        t = torch.frombuffer(bytearray(raw[w["offset"]:w["offset"] + 4 * n]), dtype=torch.float32).reshape(w["shape"])
        W[w["name"]] = torch.nn.Parameter(t.clone())
    params = list(W.values())
    adam = prob["adam"]
    if adam["weightDecay"] > 0:
        opt = torch.optim.AdamW(params, lr=1e-3, betas=tuple(adam["betas"]), eps=adam["eps"], weight_decay=adam["weightDecay"])
    else:
        opt = torch.optim.Adam(params, lr=1e-3, betas=tuple(adam["betas"]), eps=adam["eps"])
    clip = prob["gradClip"]
    batches = [(torch.tensor(b["inputs"], dtype=torch.long).reshape(b["rows"], b["cols"]),
                torch.tensor(b["targets"], dtype=torch.long).reshape(b["rows"], b["cols"]),
                torch.tensor(b["mask"], dtype=torch.float32).reshape(b["rows"], b["cols"])) for b in prob["batches"]]
    inv = 1.0 / (c["ropeBase"] ** (torch.arange(0, HD, 2).float() / HD))

    def rms(x, w):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w

    def rope(x, T):
        f = torch.outer(torch.arange(T).float(), inv)
        emb = torch.cat([f, f], -1)
        x1, x2 = x[..., :HD // 2], x[..., HD // 2:]
        return x * emb.cos() + torch.cat([-x2, x1], -1) * emb.sin()

    def forward(ids):
        B, T = ids.shape
        x = W["model.embed_tokens.weight"][ids]
        mask = torch.full((T, T), float("-inf")).triu(1)
        for l in range(L):
            pre = f"model.layers.{l}."
            h = rms(x, W[pre + "input_layernorm.weight"])
            q = (h @ W[pre + "self_attn.q_proj.weight"].T).view(B, T, NH, HD).transpose(1, 2)
            k = (h @ W[pre + "self_attn.k_proj.weight"].T).view(B, T, NH, HD).transpose(1, 2)
            v = (h @ W[pre + "self_attn.v_proj.weight"].T).view(B, T, NH, HD).transpose(1, 2)
            q, k = rope(q, T), rope(k, T)
            a = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(HD) + mask, -1) @ v
            x = x + a.transpose(1, 2).reshape(B, T, H) @ W[pre + "self_attn.o_proj.weight"].T
            h = rms(x, W[pre + "post_attention_layernorm.weight"])
            x = x + (F.silu(h @ W[pre + "mlp.gate_proj.weight"].T) * (h @ W[pre + "mlp.up_proj.weight"].T)) @ W[pre + "mlp.down_proj.weight"].T
        head = W["model.embed_tokens.weight"] if c.get("tieEmbeddings") else W["lm_head.weight"]
        return rms(x, W["model.norm.weight"]) @ head.T

    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)
    for line in sys.stdin:
        parts = line.split()
        if not parts or parts[0] == "quit":
            break
        try:
            i, lr = int(parts[1]), float(parts[2])
            ids, tg, m = batches[i]
            t0, c0 = time.perf_counter(), time.process_time()
            for g in opt.param_groups:
                g["lr"] = lr
            logits = forward(ids)
            loss = (F.cross_entropy(logits.reshape(-1, V), tg.reshape(-1), reduction="none") * m.reshape(-1)).sum() / m.sum()
            opt.zero_grad()
            loss.backward()
            norm = torch.nn.utils.clip_grad_norm_(params, clip)
            opt.step()
            lv, nv = loss.item(), norm.item()
            ms, cpu = (time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000
            print(json.dumps({"ms": ms, "cpuMs": cpu, "loss": lv, "gradNorm": nv}), flush=True)
        except Exception as e:  # the benchmark shows the message
            print(json.dumps({"error": f"train_step.py: {type(e).__name__}: {e}"}), flush=True)


if __name__ == "__main__":
    main()
