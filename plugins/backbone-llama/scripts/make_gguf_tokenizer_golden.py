"""Golden encodings of the SentencePiece model rebuilt from stories260K.gguf's embedded tokenizer.

Run from the repo root (Debian's python3-sentencepiece):

    node --conditions=@crossedit/source --import tsx plugins/backbone-llama/scripts/export-gguf-tokenizer.ts \
        ../shared/models/stories260k/stories260K.gguf /tmp/stories260k.model
    /usr/bin/python3 plugins/backbone-llama/scripts/make_gguf_tokenizer_golden.py /tmp/stories260k.model

Writes src/fixtures/stories260k-tokenizer.json: the model's sha256 and the real SentencePiece library's ids
(without BOS) and decodings of a few texts. The test checks that the TypeScript rebuild yields the same model
bytes and the TypeScript tokenizer the same ids.
"""
import hashlib
import json
import os
import sys

import sentencepiece as spm

TEXTS = [
    "Once upon a time",
    "猫",
    " hello  world ",
    "The cat sat on the mat. It was 3 o'clock!",
    "Tom and Lily went to the park.\nThey played.",
    "ÄÖÜ café naïve",
    "  leading",
    "trailing  ",
    "Spot saw a big red ball under the tree and ran to get it.",
]

model = sys.argv[1]
sp = spm.SentencePieceProcessor(model_file=model)
out = {
    "model_sha256": hashlib.sha256(open(model, "rb").read()).hexdigest(),
    "sentencepiece_version": spm.__version__,
    "cases": [{"text": t, "ids": sp.encode(t), "decoded": sp.decode(sp.encode(t))} for t in TEXTS],
}
path = os.path.join(os.path.dirname(__file__), "..", "src", "fixtures", "stories260k-tokenizer.json")
with open(path, "w", encoding="utf-8") as f:
    json.dump(out, f, ensure_ascii=False, indent=1)
print("wrote", path)
