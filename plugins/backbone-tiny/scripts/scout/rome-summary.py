"""Summary of a `crossedit eval --method rome` results file: reliability F1 and teacher-forced token accuracy (all target tokens, and the first),
English locality F1, and the v* diagnostics (mean nllInitial -> nllFinal; records whose final v* loss is
under 0.1, i.e. where v* reached the target).
  /usr/bin/python3 rome-summary.py RESULTS.jsonl [...]"""
import json, sys

def find(o, k):
    if isinstance(o, dict):
        for kk, v in o.items():
            if kk == k: yield v
            else: yield from find(v, k)
    elif isinstance(o, list):
        for v in o: yield from find(v, k)

num = lambda x: x['number'] if isinstance(x, dict) else x
mean = lambda xs: sum(xs) / max(1, len(xs))
for f in sys.argv[1:]:
    ni, nf, rel, tacc, loc, first = [], [], [], [], [], []
    for line in open(f):
        rec = json.loads(line).get('record')
        if not rec or 'items' not in rec: continue
        a = [num(x) for x in find(rec, 'nllInitial')]; b = [num(x) for x in find(rec, 'nllFinal')]
        if a: ni.append(a[0]); nf.append(b[0])
        for it in rec['items']:
            if it['metric'] == 'reliability':
                rel.append(it['f1']); tacc.append(it['tokenAcc']); first.append(it['predictions'][0] == it['labels'][0])
            if it['metric'] == 'locality.en': loc.append(it['f1'])
    print(f'{f}: {len(rel)} edits, Reli. F1 {100 * mean(rel):.2f} (token acc. {mean(tacc):.3f}, first token {mean(first):.2f}), Loca. En F1 {100 * mean(loc):.2f}, '
          f'v* NLL {mean(ni):.2f} -> {mean(nf):.2f}, reached (< 0.1) on {sum(x < 0.1 for x in nf)}')
