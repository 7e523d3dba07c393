import { writeTokenizerJson } from '@crossedit/tokenizers';
import type { Command } from '../args.js';
import { required } from '../args.js';
import { UsageError } from '../backend.js';

/** `crossedit tokenizer convert <tokenizer.model> -o tokenizer.json`. */
export const tokenizerCommand: Command = {
  name: 'tokenizer',
  summary: 'convert a SentencePiece tokenizer.model into an HF tokenizer.json',
  usage: 'tokenizer convert <tokenizer.model> -o <tokenizer.json>',
  options: { out: { type: 'string', short: 'o', help: 'output tokenizer.json', arg: 'FILE' } },
  async run(values, positionals) {
    const [sub, input] = positionals;
    if (sub !== 'convert' || !input) throw new UsageError(`usage: crossedit ${this.usage}`);
    const out = required(values, 'out');
    const r = writeTokenizerJson(input, out);
    process.stdout.write(`wrote ${out}: ${r.vocab} pieces, ${r.merges} merges, ${r.bytes} bytes\n`);
  },
};
