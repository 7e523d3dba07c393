/**
 * Writes the tokenizer embedded in a LLaMA GGUF as a SentencePiece `tokenizer.model`.
 *
 * Usage: node --conditions=@crossedit/source --import tsx plugins/backbone-llama/scripts/export-gguf-tokenizer.ts IN.gguf OUT.model
 */
import { writeFileSync } from 'node:fs';
import { GgufReader } from '@crossedit/transformer';
import { ggufTokenizerModel } from '../src/index.js';

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  console.error('usage: export-gguf-tokenizer.ts IN.gguf OUT.model');
  process.exit(2);
}
const r = await GgufReader.open(input);
writeFileSync(output, ggufTokenizerModel(r.metadata, input));
await r.close();
console.log(`wrote ${output}`);
