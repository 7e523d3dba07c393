/**
 * Writes the tokenized training data of a config as JSON, for the PyTorch scouting script
 * (`scripts/scout/train_torch.py`): the lines of one epoch and the evaluation sets.
 *
 *   node --conditions=@crossedit/source --import tsx plugins/backbone-tiny/scripts/scout/dump-data.ts \
 *     --set '{"facts":1500,"rephraseLines":true}' --out /tmp/data.json
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildCorpus } from '../../src/corpus/build.js';
import { assetsDir, sharedDir } from '../../src/paths.js';
import { loadHfEncoder } from '../../src/tokenizer/encode.js';
import { DEFAULT_TRAIN_CONFIG, withOverrides } from '../../src/train/config.js';
import { prepareData } from '../../src/train/data.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const cfg = withOverrides(DEFAULT_TRAIN_CONFIG, JSON.parse(arg('--set') ?? '{}'));
const enc = loadHfEncoder(path.join(assetsDir, 'tokenizer.json'));
const corpus = buildCorpus(sharedDir(), cfg.corpus);
const data = await prepareData(corpus, cfg, enc.encode, enc.special);
const out = arg('--out') ?? '/tmp/tiny-data.json';
writeFileSync(out, JSON.stringify({ config: cfg, special: enc.special, facts: corpus.facts.length, ...data }));
process.stderr.write(`${out}: ${data.train.length} lines, ${data.train.reduce((a, s) => a + s.ids.length - 1, 0)} tokens an epoch; ${corpus.facts.length} facts in the corpus, ${data.heldOutRephrases.length} held-out rephrases\n`);
