#!/bin/sh
# Runs one PyTorch scouting recipe of recipes.json end to end from the repository root: dump the data, train,
# then the diagnostics (continuation / extraction, causal tracing) and ROME with its reference settings on
# the first 20 Bi-ZsRE test records.
#   sh plugins/backbone-tiny/scripts/scout/run-recipe.sh NAME OUTDIR [EXTRACT_FIRST]
# EXTRACT_FIRST: the first corpus fact of the statement-only facts that have no question line (600 for t8).
set -e
name=$1; out=$2; first=${3:-200}
here=plugins/backbone-tiny/scripts/scout
set_json=$(/usr/bin/python3 -c "import json,sys; print(json.dumps(json.load(open('$here/recipes.json'))['$name']['set']))")
torch_json=$(/usr/bin/python3 -c "import json,sys; print(json.dumps(json.load(open('$here/recipes.json'))['$name']['torch']))")
tpl=$(/usr/bin/python3 -c "import json,sys; print(json.load(open('$here/recipes.json'))['$name']['set'].get('statementTemplate', '{}'))")
mkdir -p "$out"
node --conditions=@crossedit/source --import tsx $here/dump-data.ts --set "$set_json" --out "$out/data.json"
OMP_NUM_THREADS=1 /usr/bin/python3 $here/train_torch.py "$out/data.json" "$out/model" "$torch_json" | tee "$out/train.log"
node --conditions=@crossedit/source --import tsx $here/continuation.mts "$out/model" 200 "$first" "$tpl" | tee "$out/continuation.json"
node --conditions=@crossedit/source --import tsx $here/dump-probes.mts "$out/probes.json" 0 question 60
OMP_NUM_THREADS=1 /usr/bin/python3 $here/causal.py "$out/model" "$out/probes.json" | tee "$out/causal.txt"
pnpm -s crossedit eval --backbone tiny --model-dir "$out/model" --method rome --data ../shared/data/bizsre/bizsre_test.json \
  --source-lang en --ids 0-19 --backend cpu-f32 --out "$out/rome-20"
/usr/bin/python3 $here/rome-summary.py "$out/rome-20/results.jsonl"
