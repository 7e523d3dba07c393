import { mkdtempSync, rmSync, writeFileSync, readFileSync, mkdirSync, renameSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FormatError, setBackend, tensor, tidy, type Backend } from '@crossedit/core';
import { createCpuBackend } from '@crossedit/cpu';
import { maybeWebGpu } from '../model/testing/setup.js';
import { bertReference, erfRef, writeTinyBert } from './testing/bert.js';
import { BertEncoder, erf, gelu, geluTanh, layerNorm, loadBertDirectory, parseBertConfig } from './index.js';

const cpu = createCpuBackend();
setBackend(cpu);
const root = mkdtempSync(path.join(tmpdir(), 'crossedit-bert-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = () => path.join(root, `m${n++}`);

const TEXTS = [
  'New Fact: what is the capital of France? Rome',
  'Hello, World!',
  'who wrote hamlet ? shakespeare',
  'unaffable zzz',
  'where was a german born',
];

async function values(f: () => ReturnType<typeof erf>): Promise<Float64Array> {
  const t = tidy(f);
  const d = Float64Array.from(await t.data());
  t.dispose();
  return d;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('BERT building blocks', () => {
  it('erf is within 1.5e-7 of a float64 series/continued-fraction reference on [-6, 6]; gelu and the tanh form match', async () => {
    const xs = Array.from({ length: 1201 }, (_, i) => -6 + i * 0.01);
    const x = () => tensor(xs, [xs.length], { backend: cpu });
    const e = await values(() => erf(x()));
    expect(maxAbsDiff(e, xs.map(erfRef))).toBeLessThan(1.5e-7);
    expect(erfRef(1)).toBeCloseTo(0.8427007929497149, 14);
    expect(erfRef(3)).toBeCloseTo(0.9999779095030014, 14);
    const g = await values(() => gelu(x()));
    const gRef = xs.map((v) => 0.5 * v * (1 + erfRef(v / Math.SQRT2)));
    expect(maxAbsDiff(g, gRef)).toBeLessThan(6e-7);
    const gt = await values(() => geluTanh(x()));
    expect(maxAbsDiff(gt, xs.map((v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)))))).toBeLessThan(1e-12);
  });

  it('layerNorm uses the biased variance and eps inside the root', async () => {
    const row = [1, 2, 4, 7];
    const y = await values(() => layerNorm(tensor(row, [1, 4], { backend: cpu }), tensor([1, 2, 1, 0.5], [4], { backend: cpu }), tensor([0, 0, 1, 0], [4], { backend: cpu }), 1e-5));
    const mu = 3.5;
    const v = row.reduce((a, b) => a + (b - mu) ** 2, 0) / 4;
    const exp = row.map((r, i) => ((r - mu) / Math.sqrt(v + 1e-5)) * [1, 2, 1, 0.5][i] + [0, 0, 1, 0][i]);
    expect(maxAbsDiff(y, exp)).toBeLessThan(1e-12);
  });

  it('parseBertConfig names the file and field of bad input', () => {
    expect(() => parseBertConfig({ vocab_size: 10, hidden_size: 6, num_hidden_layers: 1, num_attention_heads: 4, intermediate_size: 8 }, 'c.json')).toThrow(/c\.json.*hidden_size.*not divisible/);
    expect(() => parseBertConfig({ hidden_size: 8 }, 'c.json')).toThrow(FormatError);
    expect(() => parseBertConfig({ vocab_size: 10, hidden_size: 8, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 8, hidden_act: 'swish' }, 'c.json')).toThrow(/hidden_act/);
    expect(() => parseBertConfig({ vocab_size: 10, hidden_size: 8, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 8, position_embedding_type: 'relative_key' }, 'c.json')).toThrow(/position_embedding_type/);
  });
});

describe('WordPiece tokenization', () => {
  it('vocab.txt builds the BERT pipeline (lowercase, punctuation split, ## continuation, [UNK], [CLS]/[SEP])', async () => {
    const dir = fresh();
    await writeTinyBert(dir);
    const { tokenizer, model } = await loadBertDirectory(dir, { backend: cpu });
    expect(await tokenizer.tokens('Hello, World! unaffable Zzz')).toEqual(['[CLS]', 'hello', ',', 'world', '!', 'un', '##aff', '##able', '[UNK]', '[SEP]']);
    expect(await tokenizer.tokens('Rome’s HAMLETS')).toEqual(['[CLS]', 'rome', '[UNK]', '[UNK]', 'hamlet', '##s', '[SEP]']);
    const b = await tokenizer.encodeBatch(['hello world', 'hello']);
    expect(b.ids).toEqual([[2, 21, 23, 3], [2, 21, 3, 0]]);
    expect(b.mask).toEqual([[1, 1, 1, 1], [1, 1, 1, 0]]);
    model.dispose();
  });

  it('tokenizer.json gives the same ids, without its own fixed padding; truncation keeps [SEP]', async () => {
    const a = fresh();
    const b = fresh();
    await writeTinyBert(a);
    await writeTinyBert(b, { tokenizer: 'json', maxSeqLength: 6 });
    const ta = (await loadBertDirectory(a, { backend: cpu })).tokenizer;
    const lb = await loadBertDirectory(b, { backend: cpu });
    expect(lb.tokenizer.source.endsWith('tokenizer.json')).toBe(true);
    expect(lb.tokenizer.maxLength).toBe(6);
    const short = ['hello', 'who wrote hamlet'];
    expect((await lb.tokenizer.encodeBatch(short)).ids).toEqual((await ta.encodeBatch(short)).ids);
    expect(await lb.tokenizer.tokens('new fact : what is the capital of france')).toEqual(['[CLS]', 'new', 'fact', ':', 'what', '[SEP]']);
    lb.model.dispose();
  });
});

describe('BertEncoder', () => {
  it('matches a plain float64 reference (mean pooling over the mask, unit norm), batched or not', async () => {
    const dir = fresh();
    const { spec, weights } = await writeTinyBert(dir, { seed: 7 });
    const enc = await BertEncoder.load(dir, { backend: cpu, batchSize: 3 });
    expect(enc.dim).toBe(16);
    expect(enc.loaded.pooling).toBe('mean');
    const got = await enc.encode(TEXTS);
    const rows = await Promise.all(TEXTS.map(async (t) => (await enc.loaded.tokenizer.encodeBatch([t])).ids[0]));
    expect(new Set(rows.map((r) => r.length)).size).toBeGreaterThan(2); // padding is exercised
    const ref = bertReference(weights, spec, rows).flat();
    expect(maxAbsDiff(got, ref)).toBeLessThan(1e-6);
    for (let i = 0; i < TEXTS.length; i++) expect(Math.hypot(...got.subarray(i * 16, (i + 1) * 16))).toBeCloseTo(1, 5);
    // one at a time = batched: padded keys are masked out exactly
    const single = new Float32Array(TEXTS.length * 16);
    for (let i = 0; i < TEXTS.length; i++) single.set(await enc.encode([TEXTS[i]]), i * 16);
    expect(maxAbsDiff(single, got)).toBeLessThan(1e-6);
    expect(await enc.encode([])).toHaveLength(0);
    enc.dispose();
  });

  it('tanh GELU and ReLU configs also match the reference', async () => {
    for (const act of ['gelu_new', 'relu'] as const) {
      const dir = fresh();
      const { spec, weights } = await writeTinyBert(dir, { seed: 3, spec: { act, layers: 1 } });
      const enc = await BertEncoder.load(dir, { backend: cpu });
      const rows = await Promise.all(TEXTS.slice(0, 2).map(async (t) => (await enc.loaded.tokenizer.encodeBatch([t])).ids[0]));
      expect(maxAbsDiff(await enc.encode(TEXTS.slice(0, 2)), bertReference(weights, spec, rows).flat())).toBeLessThan(1e-6);
      enc.dispose();
    }
  });

  it('reads bert.-prefixed names and the 0_Transformer layout; the id follows the content', async () => {
    const a = fresh();
    const b = fresh();
    const c = fresh();
    await writeTinyBert(a, { seed: 5 });
    await writeTinyBert(b, { seed: 5, prefix: 'bert.', tokenizer: 'vocab' });
    // b → sentence-transformers' older layout: the transformer in 0_Transformer/, pooling at the root
    mkdirSync(path.join(b, '0_Transformer'));
    for (const f of readdirSync(b)) if (f !== '1_Pooling' && f !== '0_Transformer') renameSync(path.join(b, f), path.join(b, '0_Transformer', f));
    await writeTinyBert(c, { seed: 6 });
    const ea = await BertEncoder.load(a, { backend: cpu });
    const eb = await BertEncoder.load(b, { backend: cpu });
    const ec = await BertEncoder.load(c, { backend: cpu });
    expect(maxAbsDiff(await ea.encode(TEXTS), await eb.encode(TEXTS))).toBe(0);
    expect(ea.id).toMatch(/^bert:[0-9a-f]{32}$/);
    expect(ec.id).not.toBe(ea.id);
    expect((await BertEncoder.load(a, { backend: cpu })).id).toBe(ea.id);
    for (const e of [ea, eb, ec]) e.dispose();
  });

  it('refuses a NaN weight on load, naming the tensor and the file', async () => {
    const dir = fresh();
    await writeTinyBert(dir);
    const file = path.join(dir, 'model.safetensors');
    const bytes = readFileSync(file);
    const len = Number(bytes.readBigUInt64LE(0));
    const header = JSON.parse(bytes.subarray(8, 8 + len).toString('utf8'));
    const name = Object.keys(header).find((k) => k.endsWith('encoder.layer.1.output.dense.weight'))!;
    bytes.writeFloatLE(Number.NaN, 8 + len + header[name].data_offsets[0] + 4 * 3);
    writeFileSync(file, bytes);
    await expect(BertEncoder.load(dir, { backend: cpu })).rejects.toThrow(
      new RegExp(`model\\.safetensors: tensor '${name.replace(/\./g, '\\.')}' \\[\\d+,\\d+\\] holds 1 non-finite value \\(first: NaN at \\[0, 3\\]\\)`),
    );
  });

  it('names the file and tensor of a broken directory', async () => {
    await expect(BertEncoder.load(path.join(root, 'nope'), { backend: cpu })).rejects.toThrow(/not found/);
    const dir = fresh();
    await writeTinyBert(dir);
    const cfg = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8'));
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...cfg, num_hidden_layers: 3 }));
    await expect(BertEncoder.load(dir, { backend: cpu })).rejects.toThrow(/model\.safetensors.*encoder\.layer\.2\./);
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...cfg, vocab_size: 5 }));
    await expect(BertEncoder.load(dir, { backend: cpu })).rejects.toThrow(/vocab\.txt.*vocab_size is 5/);
    const t0 = performance.now();
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...cfg, num_hidden_layers: 1_000_000_000 }));
    await expect(BertEncoder.load(dir, { backend: cpu })).rejects.toThrow(/config\.json: 'num_hidden_layers' is 1000000000, but the checkpoint .*model\.safetensors holds encoder\.layer\.0 … encoder\.layer\.1 \(2\)/);
    expect(performance.now() - t0).toBeLessThan(5000);
    rmSync(path.join(dir, 'vocab.txt'));
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify(cfg));
    await expect(BertEncoder.load(dir, { backend: cpu })).rejects.toThrow(/tokenizer\.json or vocab\.txt/);
  });
});

// CPU vs WebGPU, when @crossedit/webgpu provides a backend and an adapter exists
const webgpu: Backend | null = await maybeWebGpu();

describe.skipIf(!webgpu)('BertEncoder across backends', () => {
  it('CPU and WebGPU embeddings agree', async () => {
    const dir = fresh();
    await writeTinyBert(dir, { seed: 11 });
    const a = await BertEncoder.load(dir, { backend: cpu });
    const b = await BertEncoder.load(dir, { backend: webgpu! });
    expect(b.id).toBe(a.id);
    expect(maxAbsDiff(await a.encode(TEXTS), await b.encode(TEXTS))).toBeLessThan(2e-6);
    a.dispose();
    b.dispose();
  });
});
