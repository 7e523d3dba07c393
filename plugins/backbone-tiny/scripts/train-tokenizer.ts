/**
 * Trains the tiny backbone's tokenizer on the corpus (run build-corpus.ts first) and writes
 * plugins/backbone-tiny/assets/tokenizer.json.
 *
 *   node --conditions=@crossedit/source --import tsx plugins/backbone-tiny/scripts/train-tokenizer.ts [--vocab 6144] [--min-char-count 5] [--out FILE]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CORPUS_FILES } from '../src/corpus/build.js';
import { assetsDir, cacheDir } from '../src/paths.js';
import { trainBpe } from '../src/tokenizer/train-bpe.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const vocabSize = Number(arg('--vocab') ?? 6144);
const minCharCount = Number(arg('--min-char-count') ?? 5);
const corpusFile = path.join(cacheDir, 'corpus', CORPUS_FILES.tokenizerText);
const out = path.resolve(arg('--out') ?? path.join(assetsDir, 'tokenizer.json'));
const texts = readFileSync(corpusFile, 'utf8').split('\n').filter((l) => l.trim());
const json = trainBpe(texts, { vocabSize, minCharCount });
writeFileSync(out, JSON.stringify(json) + '\n');
process.stderr.write(`tokenizer: ${Object.keys(json.model.vocab).length} pieces, ${json.model.merges.length} merges, from ${texts.length} lines -> ${out}\n`);
