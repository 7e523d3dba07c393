/**
 * Builds the tiny backbone's corpus under plugins/backbone-tiny/.cache/corpus/ from ../shared/data/.
 *
 *   node --conditions=@crossedit/source --import tsx plugins/backbone-tiny/scripts/build-corpus.ts [--seed 1234] [--held-out 500] [--out DIR]
 */
import path from 'node:path';
import { buildCorpus, CORPUS_FILES, writeCorpus } from '../src/corpus/build.js';
import { cacheDir, sharedDir } from '../src/paths.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const seed = Number(arg('--seed') ?? 1234);
const heldOut = Number(arg('--held-out') ?? 500);
const out = path.resolve(arg('--out') ?? path.join(cacheDir, 'corpus'));
const shared = sharedDir();
const corpus = buildCorpus(shared, { seed, heldOut });
writeCorpus(corpus, out, { shared, seed });
process.stderr.write(
  `corpus: ${corpus.facts.length} training facts, ${corpus.heldOut.length} held out, ${corpus.extra.length} other lines -> ${path.join(out, CORPUS_FILES.facts)}\n`,
);
