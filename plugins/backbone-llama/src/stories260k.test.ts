/**
 * The real trained model `../shared/models/stories260k/stories260K.gguf` through the generic LLaMA backbone:
 * config and tokenizer from the GGUF metadata, q/k rows un-permuted, logits equal to a float64 numpy forward
 * pass (the checkpoint fixture `stories260k_reference.json`), a fluent greedy continuation of "Once upon a time",
 * and WebGPU logits equal to the CPU's. Skipped when the file is absent.
 */
import { existsSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import * as nodePath from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setBackend, type Backend, type Tokenizer } from '@crossedit/core';
import { createCpuBackend } from '@crossedit/cpu';
import { generate, type LlamaModel } from '@crossedit/transformer';
import llama from './index.js';
import { SHARED_DIR, logitsOf, tempModelDir, tryWebGpu, worstRatio } from './testing/index.js';

const GGUF = nodePath.join(SHARED_DIR, 'models/stories260k/stories260K.gguf');
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const REFERENCE = nodePath.join(REPO, 'packages/transformer/src/checkpoint/fixtures/stories260k_reference.json');

interface Reference {
  prompt_ids: number[];
  last_logits: number[];
  greedy_ids: number[];
  greedy_text: string;
}

describe.skipIf(!existsSync(GGUF))('backbone-llama: stories260K (real GGUF)', () => {
  let cpu: Backend;
  let model: LlamaModel;
  let tok: Tokenizer;
  let ref: Reference | null = null;
  let cpuLogits: Float64Array;
  const prompt = 'Once upon a time';

  beforeAll(async () => {
    cpu = createCpuBackend();
    setBackend(cpu);
    model = await llama.loadModel({ modelDir: GGUF }, { backend: cpu });
    tok = await llama.createTokenizer({ modelDir: GGUF });
    if (existsSync(REFERENCE)) ref = JSON.parse(readFileSync(REFERENCE, 'utf8')) as Reference;
    cpuLogits = await logitsOf(model, [tok.encode(prompt).ids]);
  });

  afterAll(() => model?.dispose());

  it('reads the config from the GGUF metadata (GQA 8/4 heads)', () => {
    expect(model.config).toEqual({
      vocabSize: 512,
      hiddenSize: 64,
      intermediateSize: 172,
      numLayers: 5,
      numHeads: 8,
      numKvHeads: 4,
      rmsNormEps: Math.fround(1e-5),
      ropeBase: 10000,
      maxPositions: 2048,
      tieEmbeddings: false,
    });
  });

  it('rebuilds the embedded SentencePiece tokenizer', () => {
    expect(tok.vocabSize).toBe(512);
    expect(tok.special).toEqual({ bos: 1, eos: 2, pad: null, unk: 0 });
    const enc = tok.encode(prompt);
    expect(enc.ids).toEqual([1, 403, 407, 261, 378]); // BOS ▁Once ▁upon ▁a ▁time
    if (ref) expect(enc.ids).toEqual(ref.prompt_ids);
    expect(tok.decode(enc.ids)).toBe(prompt);
    const text = 'The cat sat on the mat. It was 3 o\'clock!';
    expect(tok.decode(tok.encode(text).ids)).toBe(text);
    // a character outside the 512 pieces falls back to its UTF-8 bytes and decodes back
    const zh = tok.encode('猫', { addBos: false }).ids;
    expect(tok.idToToken(zh[0])).toBe('▁');
    expect(zh.slice(1).map((id) => tok.idToToken(id))).toEqual(['<0xE7>', '<0x8C>', '<0xAB>']);
    expect(tok.decode(zh)).toBe('猫');
  });

  it('logits equal the float64 numpy reference forward pass', (ctx) => {
    if (!ref) return ctx.skip();
    const v = model.config.vocabSize;
    const last = cpuLogits.subarray(cpuLogits.length - v);
    expect(worstRatio(last, ref.last_logits, 1e-9, 1e-9)).toBeLessThanOrEqual(1);
  });

  it('continues "Once upon a time" fluently (greedy)', async () => {
    const { tokens } = await generate(model, tok.encode(prompt).ids, { maxNewTokens: 40, eosId: tok.special.eos });
    const text = tok.decode(tokens[0]);
    if (ref) expect(tokens[0].slice(0, ref.greedy_ids.length - 5)).toEqual(ref.greedy_ids.slice(5));
    expect(text).toMatch(/^, there was a little (girl|boy) named \w+\. (She|He) /);
    const words = text.toLowerCase().match(/[a-z]+/g)!;
    for (const w of ['there', 'was', 'little', 'she']) expect(words).toContain(w);
    expect(text).toMatch(/^[A-Za-z ,.'!?"]+$/); // no byte pieces, digits or stray symbols
    expect(words.length).toBeGreaterThan(20);
  });

  it('loads from a directory holding the GGUF', async () => {
    const dir = tempModelDir();
    try {
      symlinkSync(GGUF, nodePath.join(dir, 'stories260K.gguf'));
      const m = await llama.loadModel({ modelDir: dir }, { backend: cpu });
      expect(Array.from(await m.weight({ kind: 'attn.k', layer: 3 }).data())).toEqual(Array.from(await model.weight({ kind: 'attn.k', layer: 3 }).data()));
      m.dispose();
      expect((await llama.createTokenizer({ modelDir: dir })).encode(prompt).ids).toEqual([1, 403, 407, 261, 378]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('WebGPU logits equal the CPU logits', async (ctx) => {
    const { backend: gpu, why } = await tryWebGpu();
    if (!gpu) {
      console.warn(`[backbone-llama] stories260K WebGPU parity skipped: ${why}`);
      return ctx.skip();
    }
    try {
      const m = await llama.loadModel({ modelDir: GGUF }, { backend: gpu });
      const got = await logitsOf(m, [tok.encode(prompt).ids]);
      expect(worstRatio(got, cpuLogits, 1e-3, 1e-3)).toBeLessThanOrEqual(1);
      m.dispose();
    } finally {
      gpu.dispose();
    }
  });
});
