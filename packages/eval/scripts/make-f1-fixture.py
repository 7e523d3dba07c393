#!/usr/bin/env python3
"""Golden fixture for the F1/EM scorers: real Chinese-LLaMA-Plus token ids and the reference scores.

Reimplements (does not import) the two versions of `obtain_f1_and_em` from the Bi-ZsRE evaluation
script: krystalan/Bi-ZsRE @ 6ae5fc4 (2023, "F1" = |common|^2 / (|a|*|b|)) and krystalan/Bi_ZsRE @
254f830 (2024, harmonic mean, which divides by zero when nothing is common; recorded as null).
Tokens are `sp.encode(text)`, what LlamaTokenizer.encode(text, add_special_tokens=False) returns for
plain text.

Run with Debian's python3-sentencepiece:
  /usr/bin/python3 packages/eval/scripts/make-f1-fixture.py [shared-dir] > packages/eval/src/scorers/__fixtures__/f1-chinese-llama-plus.json
"""
import hashlib
import json
import os
import sys

import sentencepiece as spm

shared = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("CROSSEDIT_SHARED", os.path.join(os.path.dirname(__file__), "../../../../shared"))
model = os.path.join(shared, "tokenizers/chinese-llama-plus-7b/tokenizer.model")
sp = spm.SentencePieceProcessor(model_file=model)


def reference_2023(a, b):
    a_words, b_words = sp.encode(a), sp.encode(b)
    if len(a_words) == 0 and len(b_words) == 0:
        return 1.0, 1
    if len(a_words) == 0 or len(b_words) == 0:
        return 0.0, 0
    em = 1 if a == b else 0
    k = len(a_words) * len(b_words)
    common = []
    for w in a_words.copy():
        if w in b_words:
            a_words.remove(w)
            b_words.remove(w)
            common.append(w)
    return len(common) * len(common) / float(k), em


def reference_2024(a, b):
    a_words, b_words = sp.encode(a), sp.encode(b)
    if len(a_words) == 0 and len(b_words) == 0:
        return 1.0, 1
    if len(a_words) == 0 or len(b_words) == 0:
        return 0.0, 0
    em = 1 if a == b else 0
    na, nb = len(a_words), len(b_words)
    common = []
    for w in a_words.copy():
        if w in b_words:
            a_words.remove(w)
            b_words.remove(w)
            common.append(w)
    p, r = len(common) / float(na), len(common) / float(nb)
    try:
        return 2 * p * r / (p + r), em
    except ZeroDivisionError:
        return None, em


data = json.load(open(os.path.join(shared, "data/bizsre/mzsre_test_duplicate_enzh.json"), encoding="utf-8"))
pairs = [
    ("Lamiinae", "Lamiinae"),
    ("Lami", "Lamiinae"),
    ("Lamiinae Lamiinae", "Lamiinae"),
    ("Cerambycidae", "Lamiinae"),
    ("天牛科", "沟胫天牛亚科"),
    ("沟胫天牛亚科", "沟胫天牛亚科"),
    ("牛牛牛", "天牛"),
    ("", ""),
    ("", "德语"),
    ("New York City", "the city of New York"),
    ("lamiinae", "Lamiinae"),
]
for rec in data[:12]:
    for lang in ("en", "zh"):
        s = rec[lang]
        pairs.append((s["alt"], s["alt"]))
        pairs.append((s["portability"]["New Answer"], s["alt"]))
        pairs.append((s["alt"][: max(1, len(s["alt"]) // 2)], s["alt"]))
    pairs.append((rec["zh"]["alt"], rec["en"]["alt"]))

cases = []
seen = set()
for a, b in pairs:
    if (a, b) in seen:
        continue
    seen.add((a, b))
    f23, e23 = reference_2023(a, b)
    f24, e24 = reference_2024(a, b)
    cases.append({
        "answer": a,
        "reference": b,
        "answerIds": sp.encode(a),
        "referenceIds": sp.encode(b),
        "bizsre2023": {"f1": f23, "em": e23},
        "bizsre2024": {"f1": f24, "em": e24},
    })

out = {
    "tokenizer": "chinese-llama-plus-7b/tokenizer.model",
    "tokenizerSha256": hashlib.sha256(open(model, "rb").read()).hexdigest(),
    "generator": "packages/eval/scripts/make-f1-fixture.py",
    "cases": cases,
}
json.dump(out, sys.stdout, ensure_ascii=False, indent=1)
sys.stdout.write("\n")
