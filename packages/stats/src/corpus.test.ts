import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { corpusHash, detectCorpusFormat, readCorpus } from './corpus.js';
import { tempDir, writeCorpus } from './testing/corpus.js';

async function all(path: string, opts = {}): Promise<string[]> {
  const out: string[] = [];
  for await (const t of readCorpus(path, opts)) out.push(t);
  return out;
}

describe('corpus', () => {
  it('reads plain text and JSONL, skipping empty samples', async () => {
    const dir = await tempDir('corpus-');
    const txt = join(dir, 'c.txt');
    await writeFile(txt, 'one line\n\n  \nsecond {line}\n');
    expect(await detectCorpusFormat(txt)).toBe('text');
    expect(await all(txt)).toEqual(['one line', 'second {line}']);
    const jl = await writeCorpus(dir, ['a b', '', 'c'], 'jsonl');
    expect(await detectCorpusFormat(jl)).toBe('jsonl');
    expect(await all(jl)).toEqual(['a b', 'c']);
    expect(await corpusHash(jl)).toMatch(/^[0-9a-f]{64}$/);
    expect(await corpusHash(jl)).not.toBe(await corpusHash(txt));
  });

  it('names the file, line and field of a bad JSONL record', async () => {
    const dir = await tempDir('corpus-');
    const p = join(dir, 'bad.jsonl');
    await writeFile(p, '{"text":"ok"}\n{"body":"x"}\n');
    await expect(all(p)).rejects.toThrow(/bad\.jsonl: line 2: field 'text' must be a string/);
    expect(await all(p, { textField: 'body' }).catch((e: Error) => e.message)).toMatch(/line 1: field 'body'/);
    await writeFile(p, '{"text":"ok"}\n{nope\n');
    await expect(all(p)).rejects.toThrow(/line 2: not JSON/);
  });
});
