#!/usr/bin/env python3
"""Golden fixture: the paper authors' own `calculate_metrics` run on results files of crossedit.

The authors' aggregation (`evaluate.py` of krystalan/Bi-ZsRE @ 6ae5fc4) is read at fixture time from a
local copy of that repository and executed as it is; it is not committed here. The only stand-ins are
the two imports it makes: `transformers.LlamaTokenizer` (its `from_pretrained(...).encode(text,
add_special_tokens=False)` is SentencePiece's `encode` on the Chinese-LLaMA-Plus model, what the slow
LlamaTokenizer returns for plain text) and `tqdm` (identity). `my_avg` is wrapped to record the unrounded
mean next to the rounded one it returns.

Each results directory (`crossedit eval --scorer bizsre-2023 --out DIR`) is converted to the
per-edit JSON layout that `calculate_metrics` reads (`post.rewrite_acc.ans/target`,
`post.rephrase_acc_{en,zh}`, `post/pre.locality_{en,zh}.neighborhood_output_{en,zh}.ans`,
`post.portability_{en,zh}.one_hop_acc_en`), one item per crossedit item: `ans` = the decoded post-edit
answer, `target` = the reference it was compared with (for locality the pre-edit answer, as `pre`).

Usage (Debian python3 with python3-sentencepiece):
  /usr/bin/python3 packages/eval/scripts/make-authors-metrics-fixture.py \
      AUTHORS_REPO SHARED_DIR RESULTS_DIR... > packages/eval/src/metrics/__fixtures__/authors-calculate-metrics.json
AUTHORS_REPO is a checkout of krystalan/Bi-ZsRE or a bare git directory of it (read with `git show
6ae5fc4:evaluate.py`).
"""
import contextlib
import hashlib
import io
import json
import os
import subprocess
import sys
import tempfile
import types

import sentencepiece as spm

COMMIT = "6ae5fc4"
METRICS = [
    ("reliablilty", "reliability"),
    ("generalization_en", "generality.en"),
    ("generalization_zh", "generality.zh"),
    ("locality_en", "locality.en"),
    ("locality_zh", "locality.zh"),
    ("portablility_en", "portability.en"),
    ("portablility_zh", "portability.zh"),
]


def authors_source(repo):
    path = os.path.join(repo, "evaluate.py")
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            return f.read()
    return subprocess.run(["git", "--git-dir", repo, "show", f"{COMMIT}:evaluate.py"], check=True, capture_output=True, text=True).stdout


def load_authors(repo, sp):
    class LlamaTokenizer:
        @staticmethod
        def from_pretrained(_path):
            return LlamaTokenizer()

        def encode(self, text, add_special_tokens=True):
            assert add_special_tokens is False
            return sp.encode(text)

    sys.modules["transformers"] = types.SimpleNamespace(LlamaTokenizer=LlamaTokenizer)
    sys.modules["tqdm"] = types.SimpleNamespace(tqdm=lambda xs: xs)
    src = authors_source(repo)
    ns = {"__name__": "bizsre_evaluate"}
    exec(compile(src, "evaluate.py", "exec"), ns)
    raw = []
    original = ns["my_avg"]

    def my_avg(a):
        raw.append(sum(a) * 100 / float(len(a)))
        return original(a)

    ns["my_avg"] = my_avg
    return ns, raw, hashlib.sha256(src.encode("utf-8")).hexdigest()


def read_results(results_dir):
    header, records = None, []
    with open(os.path.join(results_dir, "results.jsonl"), encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            obj = json.loads(line)
            if "header" in obj:
                header = obj["header"]
            elif "record" in obj:
                records.append(obj["record"])
    return header, records


def to_authors_item(record):
    by = {it["metric"]: it for it in record["items"]}
    pair = lambda m: {"ans": by[m]["answer"], "target": by[m]["reference"]}
    return {
        "post": {
            "rewrite_acc": pair("reliability"),
            "rephrase_acc_en": pair("generality.en"),
            "rephrase_acc_zh": pair("generality.zh"),
            "locality_en": {"neighborhood_output_en": {"ans": by["locality.en"]["answer"]}},
            "locality_zh": {"neighborhood_output_zh": {"ans": by["locality.zh"]["answer"]}},
            "portability_en": {"one_hop_acc_en": pair("portability.en")},
            "portability_zh": {"one_hop_acc_en": pair("portability.zh")},
        },
        "pre": {
            "locality_en": {"neighborhood_output_en": {"ans": by["locality.en"]["reference"]}},
            "locality_zh": {"neighborhood_output_zh": {"ans": by["locality.zh"]["reference"]}},
        },
    }


def run_authors(ns, raw, items):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as f:
        json.dump(items, f, ensure_ascii=False)
        path = f.name
    raw.clear()
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            ns["calculate_metrics"](path)
    finally:
        os.unlink(path)
    printed = {}
    for line in out.getvalue().splitlines():
        if ": " in line:
            k, v = line.split(": ", 1)
            printed[k.strip()] = float(v)
    # calculate_metrics prints the seven F1 means, then the seven EM means, in METRICS order
    assert len(raw) == 14, raw
    cells = {}
    for i, (name, metric) in enumerate(METRICS):
        cells[metric] = {"f1": printed[f"{name}_f1"], "em": printed[f"{name}_em"], "f1Raw": raw[i], "emRaw": raw[7 + i]}
    return cells


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    repo, shared, dirs = sys.argv[1], sys.argv[2], sys.argv[3:]
    sp = spm.SentencePieceProcessor(model_file=os.path.join(shared, "tokenizers/chinese-llama-plus-7b/tokenizer.model"))
    ns, raw, sha = load_authors(repo, sp)
    runs = []
    for d in dirs:
        header, records = read_results(d)
        if header.get("scorerMode") != "bizsre-2023":
            sys.exit(f"{d}: scorer mode {header.get('scorerMode')!r}, expected 'bizsre-2023'")
        scored = [r for r in records if not r.get("error")]
        cells = run_authors(ns, raw, [to_authors_item(r) for r in scored])
        runs.append({
            "name": f"{header['method']}-{header['sourceLang']}-{header['scorerMode']}",
            "method": header["method"],
            "backbone": header["backbone"],
            "sourceLang": header["sourceLang"],
            "dataset": header["dataset"],
            "scorerMode": header["scorerMode"],
            "records": [
                {"requestId": r["requestId"], "items": [{k: it[k] for k in ("metric", "answer", "reference", "f1", "em", "tokenAcc")} for it in r["items"]]}
                for r in scored
            ],
            "authors": cells,
        })
    json.dump({
        "reference": {"repo": "krystalan/Bi-ZsRE", "commit": COMMIT, "file": "evaluate.py", "function": "calculate_metrics", "sourceSha256": sha},
        "f1Tokenizer": "chinese-llama-plus-7b/tokenizer.model",
        "runs": runs,
    }, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
