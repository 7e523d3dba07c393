"""Splits a ROME run's reliability by whether each edit's target was spelled in training.

usage: python3 seen-split.py RESULTS.jsonl DATA.json

RESULTS.jsonl is a `crossedit eval --method rome` results file. DATA.json is the `dump-data.ts` dump of the
model's training lines. A target is "seen" when its label tokens are a prefix of some training line's answer
tokens. For each part the script prints the edits, the reliability F1, v*'s mean final loss, and how many v*
runs reached the target (final loss < 0.3 nats). It then prints the largest gap between v*'s final loss and the
target's NLL after the edit.
"""
import json, statistics as st, sys

res, data = sys.argv[1], sys.argv[2]
rows = [json.loads(l) for l in open(res)][1:]
rows = [r for r in rows if 'record' in r]
d = json.load(open(data))
answers = set(tuple(s['ids'][s['answerStart']:s['answerEnd']]) for s in d['train'] if s['answerStart'] >= 0)
out = []
for r in rows:
    rec = r['record']
    dg = {k: v['number'] for k, v in rec['diagnostics'].items()}
    item = [i for i in rec['items'] if i['metric'] == 'reliability'][0]
    lab = tuple(item['labels'])
    seen = any(a[:len(lab)] == lab for a in answers)
    out.append((seen, item['f1'], dg['vLossLast'], dg['nllFinal']))
for part in (True, False):
    xs = [o for o in out if o[0] == part]
    if xs:
        print('seen  ' if part else 'unseen', f'{len(xs):4d} edits  F1 {100 * st.mean(o[1] for o in xs):6.2f}  v* loss {st.mean(o[2] for o in xs):5.2f}  reached {sum(o[2] < 0.3 for o in xs)}')
print('all   ', f'{len(out):4d} edits  F1 {100 * st.mean(o[1] for o in out):6.2f}  reached {sum(o[2] < 0.3 for o in out)};',
      f'edits whose v* reached: F1 {100 * st.mean([o[1] for o in out if o[2] < 0.3] or [float("nan")]):.2f};',
      f'max |v* loss - NLL after| {max(abs(o[2] - o[3]) for o in out):.2f}')
