"""Reads a scout or crossedit export (an HF directory: `model.safetensors` f32/f16 + `config.json`) into
float32 torch tensors, for the PyTorch diagnostics (`diag.py`, `causal.py`)."""
import json, os, struct
import torch


def load_export(d):
    """Returns (weights by tensor name, the parsed config.json) of the export directory `d`."""
    raw = open(os.path.join(d, 'model.safetensors'), 'rb').read()
    n = struct.unpack('<Q', raw[:8])[0]
    hdr = json.loads(raw[8:8 + n])
    base = 8 + n
    W = {}
    for k, v in hdr.items():
        if k == '__metadata__':
            continue
        a, b = v['data_offsets']
        dt = torch.float32 if v['dtype'] == 'F32' else torch.float16
        W[k] = torch.frombuffer(bytearray(raw[base + a: base + b]), dtype=dt).reshape(v['shape']).float()
    return W, json.load(open(os.path.join(d, 'config.json')))
