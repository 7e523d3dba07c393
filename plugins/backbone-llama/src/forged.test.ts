/**
 * Inputs whose numbers would drive allocation or silently corrupt a model: a config (config.json or GGUF
 * metadata) that disagrees with the checkpoint's tensor index is refused before any weight plan is built,
 * naming the file and key; a directory without config.json says so; NaN/Inf weights are refused on load,
 * naming the tensor and file.
 */
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FormatError, type Backend } from '@crossedit/core';
import { createCpuBackend } from '@crossedit/cpu';
import llama from './index.js';
import { SHARED_DIR, TINY_LLAMA, llamaFileTensors, randomHostWeights, tempModelDir, tinyHfConfig, writeHfCheckpoint, type HostWeights } from './testing/index.js';

const cfg = TINY_LLAMA;
const STORIES = nodePath.join(SHARED_DIR, 'models/stories260k/stories260K.gguf');
let cpu: Backend;
let host: HostWeights;
const dirs: string[] = [];

async function dir(opts: { config?: Record<string, unknown> | null; host?: HostWeights; format?: 'safetensors' | 'bin' } = {}): Promise<string> {
  const d = tempModelDir();
  dirs.push(d);
  const config = opts.config === null ? undefined : (opts.config ?? tinyHfConfig(cfg));
  await writeHfCheckpoint(d, llamaFileTensors(opts.host ?? host, cfg), { format: opts.format ?? 'safetensors', shards: 1, config });
  return d;
}

async function loadError(modelDir: string): Promise<FormatError> {
  const t0 = performance.now();
  const e = await llama.loadModel({ modelDir }, { backend: cpu }).catch((x: unknown) => x);
  expect(performance.now() - t0).toBeLessThan(5000);
  expect(e).toBeInstanceOf(FormatError);
  return e as FormatError;
}

beforeAll(() => {
  cpu = createCpuBackend();
  host = randomHostWeights(cfg, 3);
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('backbone-llama: config numbers checked against the tensor index', () => {
  it("config.json's num_hidden_layers: 1000000000 fails at once, naming config.json and the key", async () => {
    const d = await dir({ config: tinyHfConfig(cfg, { num_hidden_layers: 1_000_000_000 }) });
    const e = await loadError(d);
    expect(e.file).toBe(nodePath.join(d, 'config.json'));
    expect(e.message).toMatch(/'num_hidden_layers' is 1000000000, but the checkpoint .*model\.safetensors holds only \d+ tensors/);
    const three = await loadError(await dir({ config: tinyHfConfig(cfg, { num_hidden_layers: 3 }) }));
    expect(three.message).toMatch(/config\.json: 'num_hidden_layers' is 3, but the checkpoint .* holds layers model\.layers\.0 … model\.layers\.1 \(2\)/);
  });

  it('sizes that disagree with the embedding and FFN tensors name their keys', async () => {
    expect((await loadError(await dir({ config: tinyHfConfig(cfg, { hidden_size: 4_000_000 }) }))).message).toMatch(
      /config\.json: 'hidden_size' is 4000000, but model\.embed_tokens\.weight in .* is \[40,16\] \(hidden size 16\)/,
    );
    expect((await loadError(await dir({ config: tinyHfConfig(cfg, { vocab_size: 32000 }) }))).message).toMatch(/config\.json: 'vocab_size' is 32000, but .* \(40 tokens\)/);
    expect((await loadError(await dir({ config: tinyHfConfig(cfg, { intermediate_size: 11008 }) }))).message).toMatch(/'intermediate_size' is 11008, but .*\(FFN size 24\)/);
  });

  it("a GGUF with llama.block_count patched to 1000000000 fails at once, naming the file and key", async () => {
    const d = tempModelDir();
    dirs.push(d);
    const bytes = Buffer.from(readFileSync(STORIES));
    const key = Buffer.from('llama.block_count');
    const at = bytes.indexOf(key) + key.length;
    expect(bytes.readUInt32LE(at)).toBe(4); // GGUF type u32
    expect(bytes.readUInt32LE(at + 4)).toBe(5);
    bytes.writeUInt32LE(1_000_000_000, at + 4);
    const file = nodePath.join(d, 'patched.gguf');
    writeFileSync(file, bytes);
    const e = await loadError(file);
    expect(e.file).toBe(file);
    expect(e.message).toMatch(/'llama\.block_count' is 1000000000, but the checkpoint .*patched\.gguf holds only 48 tensors/);
  });
});

describe('backbone-llama: missing config.json, non-finite weights', () => {
  it('a directory without config.json says the file is missing (no LLaMA-2-7B defaults)', async () => {
    const d = await dir({ config: null });
    const e = await loadError(d);
    expect(e.file).toBe(nodePath.join(d, 'config.json'));
    expect(e.message).toMatch(/the model directory has no config\.json/);
  });

  for (const [what, bad] of [['NaN', Number.NaN], ['Infinity', Number.POSITIVE_INFINITY]] as const) {
    it(`a ${what} weight is refused on load, naming the tensor, the element and the file`, async () => {
      const h: HostWeights = new Map([...host].map(([k, v]) => [k, v.slice()]));
      const w = h.get('model.layers.1.mlp.down_proj.weight')!; // [16, 24]
      w[2 * 24 + 5] = bad;
      w[100] = bad;
      for (const format of ['safetensors', 'bin'] as const) {
        const d = await dir({ host: h, format });
        const e = await loadError(d);
        expect(e.file).toBe(nodePath.join(d, format === 'bin' ? 'pytorch_model.bin' : 'model.safetensors'));
        expect(e.message).toMatch(new RegExp(`tensor 'model\\.layers\\.1\\.mlp\\.down_proj\\.weight' \\[16,24\\] holds 2 non-finite values \\(first: ${what} at \\[2, 5\\]\\)`));
      }
    });
  }

  it('the GGUF checkpoint still loads (no false alarm from the checks)', async () => {
    const d = tempModelDir();
    dirs.push(d);
    copyFileSync(STORIES, nodePath.join(d, 'stories.gguf'));
    const m = await llama.loadModel({ modelDir: d }, { backend: cpu });
    expect(m.config.numLayers).toBe(5);
    m.dispose();
  });
});
