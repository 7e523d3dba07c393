/**
 * Tokenizer throughput: tokens/second encoding the Bi-ZsRE test corpus with each real SentencePiece model,
 * through crossedit's exact TypeScript SentencePiece engine (cold cache and warm), the HF `tokenizers`
 * engine (one batch call, and one synchronous call per line through the worker bridge), and the real
 * SentencePiece library (python3-sentencepiece, spawned in the same run when available).
 *
 *   node --conditions=@crossedit/source --import tsx benchmarks/src/tokenizers.ts [--repeat N]
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildCorpus, HfTokenizer, loadTokenizer, SentencePieceTokenizer, sharedDir } from '@crossedit/tokenizers';
import { numberFlag } from './args.js';

const MODELS = ['chinese-llama-plus-7b', 'chinese-llama-2-7b', 'baichuan-7b'];

/** Timings per configuration when `--repeat` is not given (the best one is reported). */
const REPEAT = 3;

/** One measured configuration. */
export interface TokenizerBenchRow {
  model: string;
  engine: string;
  lines: number;
  tokens: number;
  seconds: number;
  tokensPerSecond: number;
}

const PY = `
import json, sys, time
import sentencepiece as spm
req = json.load(sys.stdin)
out = []
for path in req["models"]:
    sp = spm.SentencePieceProcessor(model_file=path)
    lines = req["lines"]
    for mode in ("batch", "per-line"):
        best = None
        for _ in range(req["repeat"]):
            t0 = time.perf_counter()
            if mode == "batch":
                n = sum(len(x) for x in sp.encode(lines))
            else:
                n = 0
                for l in lines:
                    n += len(sp.encode(l))
            dt = time.perf_counter() - t0
            best = dt if best is None else min(best, dt)
        out.append({"model": path, "mode": mode, "tokens": n, "seconds": best})
print(json.dumps(out))
`;

function time<T>(f: () => T): [T, number] {
  const t0 = performance.now();
  const r = f();
  return [r, (performance.now() - t0) / 1000];
}

function best(repeat: number, f: () => number): [number, number] {
  let tokens = 0;
  let s = Infinity;
  for (let r = 0; r < repeat; r++) {
    const [n, dt] = time(f);
    tokens = n;
    s = Math.min(s, dt);
  }
  return [tokens, s];
}

/** Runs the benchmark and returns its rows (also printed as a table). */
export async function runTokenizerBenchmark(opts: { repeat?: number; python?: string } = {}): Promise<TokenizerBenchRow[]> {
  const repeat = opts.repeat ?? REPEAT;
  const lines = buildCorpus();
  const rows: TokenizerBenchRow[] = [];
  const row = (model: string, engine: string, tokens: number, seconds: number) =>
    rows.push({ model, engine, lines: lines.length, tokens, seconds, tokensPerSecond: tokens / seconds });
  const file = (m: string) => path.join(sharedDir(), 'tokenizers', m, 'tokenizer.model');

  for (const m of MODELS) {
    // cold: a fresh tokenizer (empty chunk cache) for each run; loading is not timed
    let nCold = 0;
    let sCold = Infinity;
    for (let r = 0; r < repeat; r++) {
      const fresh = SentencePieceTokenizer.fromFile(file(m));
      const [n, dt] = time(() => fresh.encodeMany(lines, { addBos: false }).reduce((a, e) => a + e.ids.length, 0));
      [nCold, sCold] = [n, Math.min(sCold, dt)];
    }
    row(m, 'crossedit SentencePiece (TS), cold cache', nCold, sCold);
    const sp = SentencePieceTokenizer.fromFile(file(m));
    sp.encodeMany(lines);
    const [nWarm, sWarm] = best(repeat, () => sp.encodeMany(lines, { addBos: false }).reduce((a, e) => a + e.ids.length, 0));
    row(m, 'crossedit SentencePiece (TS), warm cache', nWarm, sWarm);
    const [nLine, sLine] = best(repeat, () => lines.reduce((a, l) => a + sp.encode(l, { addBos: false }).ids.length, 0));
    row(m, 'crossedit SentencePiece (TS), per line, warm', nLine, sLine);

    const hf = (await loadTokenizer(file(m), { engine: 'hf' })) as HfTokenizer;
    const [nHf, sHf] = best(repeat, () => hf.encodeMany(lines, { addBos: false }).reduce((a, e) => a + e.ids.length, 0));
    row(m, 'HF tokenizers (converted json), one batch', nHf, sHf);
    const [nHfl, sHfl] = best(1, () => lines.reduce((a, l) => a + hf.encode(l, { addBos: false }).ids.length, 0));
    row(m, 'HF tokenizers, per line (sync bridge)', nHfl, sHfl);
    hf.dispose();
  }

  // the first interpreter that has the sentencepiece module (Debian's lives in /usr/bin/python3)
  const candidates = [opts.python ?? process.env.CROSSEDIT_PYTHON, 'python3', '/usr/bin/python3'].filter((x): x is string => !!x);
  const python = candidates.find((py) => spawnSync(py, ['-c', 'import sentencepiece'], { stdio: 'ignore' }).status === 0) ?? candidates[0];
  const res = spawnSync(python, ['-c', PY], {
    input: JSON.stringify({ models: MODELS.map(file), lines, repeat }),
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  if (res.status === 0) {
    for (const r of JSON.parse(res.stdout) as { model: string; mode: string; tokens: number; seconds: number }[]) {
      row(path.basename(path.dirname(r.model)), `python sentencepiece (C++), ${r.mode}`, r.tokens, r.seconds);
    }
  } else {
    const why = (res.error?.message ?? res.stderr ?? '').trim().split('\n').pop();
    console.log(`python sentencepiece not measured (${python}: ${why}); apt-get install -y python3-sentencepiece`);
  }

  rows.sort((a, b) => a.model.localeCompare(b.model));
  console.log(`\nEncoding ${lines.length} corpus lines (best of ${repeat}; model loading not timed)\n`);
  const head = ['model', 'engine', 'tokens', 'ms', 'tokens/s'];
  const body = rows.map((r) => [r.model, r.engine, String(r.tokens), (r.seconds * 1000).toFixed(1), Math.round(r.tokensPerSecond).toLocaleString('en-US')]);
  const width = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i >= 2 ? c.padStart(width[i]) : c.padEnd(width[i]))).join('  ');
  console.log(fmt(head));
  console.log(width.map((w) => '-'.repeat(w)).join('  '));
  for (const b of body) console.log(fmt(b));
  return rows;
}

/**
 * Parses `--repeat N` (default 3).
 * @throws Error naming the flag for an unknown flag, a missing value or a `--repeat` that is not an integer >= 1.
 */
export function parseTokenizerArgs(argv: readonly string[]): { repeat: number } {
  const { values } = parseArgs({ args: [...argv], strict: true, options: { repeat: { type: 'string' } } });
  return { repeat: numberFlag(values, 'repeat', { integer: true, min: 1 }, REPEAT) };
}

/** Entry point (`pnpm bench tokenizers [--repeat N]`). */
export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  await runTokenizerBenchmark(parseTokenizerArgs(argv));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
