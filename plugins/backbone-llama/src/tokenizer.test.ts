/** Where a LLaMA-family backbone's tokenizer comes from: user path, then model directory, then `../shared`. */
import { existsSync, rmSync, symlinkSync } from 'node:fs';
import * as nodePath from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import llama, { createFamilyTokenizer, sharedTokenizerPath } from './index.js';
import { tempModelDir } from './testing/index.js';

const CL2 = sharedTokenizerPath('chinese-llama-2-7b');
const BC = sharedTokenizerPath('baichuan-7b');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function dirWith(file: string): string {
  const d = tempModelDir();
  dirs.push(d);
  symlinkSync(file, nodePath.join(d, 'tokenizer.model'));
  return d;
}

describe.skipIf(!existsSync(CL2) || !existsSync(BC))('createFamilyTokenizer', () => {
  it('prefers the user path, then the model directory, then the shared tokenizer', async () => {
    const inModel = dirWith(BC);
    expect((await llama.createTokenizer({ tokenizerPath: CL2, modelDir: inModel })).vocabSize).toBe(55296);
    expect((await llama.createTokenizer({ modelDir: inModel })).vocabSize).toBe(64000);
    const empty = tempModelDir();
    dirs.push(empty);
    expect((await createFamilyTokenizer({ modelDir: empty }, { id: 'x', shared: 'chinese-llama-2-7b' })).vocabSize).toBe(55296);
    expect((await createFamilyTokenizer({}, { id: 'x', shared: 'baichuan-7b' })).vocabSize).toBe(64000);
  });

  it('says what it searched when there is no tokenizer', async () => {
    const empty = tempModelDir();
    dirs.push(empty);
    await expect(llama.createTokenizer({ modelDir: empty })).rejects.toThrow(
      /no tokenizer for backbone 'llama': searched .*\(tokenizer\.model, tokenizer\.json, \*\.gguf\); pass a tokenizer path .*LLaMA tokenizers are not shipped/,
    );
    await expect(createFamilyTokenizer({}, { id: 'y', shared: 'no-such-tokenizer' })).rejects.toThrow(/no tokenizer for backbone 'y': searched .*no-such-tokenizer[/\\]tokenizer\.model/);
    await expect(llama.createTokenizer({ tokenizerPath: nodePath.join(empty, 'missing.model') })).rejects.toThrow(/missing\.model: cannot read/);
  });
});
