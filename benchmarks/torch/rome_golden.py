#!/usr/bin/env python3
"""Float64 PyTorch ROME on stories260K: the golden u, v* and dW = outer(v_r, u) of test/e2e/rome-golden.test.ts.

The problem file (written by test/e2e/rome-golden-fixture.ts) holds the model's weights exactly as the project
holds them (the GGUF's F32 values, q/k rows un-permuted; the loader has its own float64 numpy golden) and the
token rows the project builds (templates, rewriting rows, KL row, insert row, and the corpus rows of the second
moment). This script runs edit_reference.py's eager LLaMA and ROME in float64 for each case and writes the
fixture:

    /usr/bin/python3 benchmarks/torch/rome_golden.py PROBLEM.json OUT.json --commit SHA --command "..."

Case `plain`: u = k-bar / |k-bar| (the reference's llama default, mom2_adjustment off).
Case `mom2`: u = C^-1 k-bar / |C^-1 k-bar|, with C computed here the way the project's buildSecondMoments does
(C = (1/N) sum k k^T of the down_proj input over every non-padding token of the corpus rows), not read from it.
"""
import argparse
import json

import torch

from edit_reference import Llama, load, rome_step, second_moment


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("problem")
    ap.add_argument("out")
    ap.add_argument("--commit", required=True)
    ap.add_argument("--command", required=True)
    a = ap.parse_args()
    torch.set_default_dtype(torch.float64)
    torch.set_num_threads(1)
    prob, weights = load(a.problem)
    model = Llama(prob["config"], {k: v.double() for k, v in weights.items()})
    p = prob["rome"]
    cases = {}
    for case in prob["cases"]:
        mom2 = None
        extra = {}
        if case.get("corpusRows"):
            mom2 = second_moment(model, case["corpusRows"], p["layer"])
            ev = torch.linalg.eigvalsh(mom2)
            extra["secondMoment"] = {
                "tokens": sum(len(r) for r in case["corpusRows"]),
                "trace": mom2.trace().item(),
                "diag": mom2.diagonal().tolist(),
                "eigMin": ev[0].item(),
                "eigMax": ev[-1].item(),
            }
        s = rome_step(model, p, mom2)
        cases[case["name"]] = {k: (v if isinstance(v, list) else v.tolist()) for k, v in s.items()} | extra
    out = {
        "made": {
            "script": "benchmarks/torch/rome_golden.py (float64 PyTorch, eager LLaMA of edit_reference.py)",
            "command": a.command,
            "commit": a.commit,
            "torch": torch.__version__,
            "dtype": "float64",
        },
        "request": prob["request"],
        "templates": prob["templates"],
        "layer": p["layer"],
        "hp": p["hp"],
        "shape": [prob["config"]["hiddenSize"], prob["config"]["intermediateSize"]],
        "cases": cases,
    }
    with open(a.out, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
