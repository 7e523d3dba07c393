import { buildSecondMoments } from '@crossedit/stats';
import type { Command } from '../args.js';
import { intOption, required } from '../args.js';
import { UsageError } from '../backend.js';
import { ProgressBar } from '../progress.js';
import { MODEL_OPTIONS, openModel } from '../session.js';

/** `crossedit stats`: builds second-moment artifacts (resumable; Ctrl-C checkpoints and stops). */
export const statsCommand: Command = {
  name: 'stats',
  summary: 'build second-moment statistics of MLP keys (MEMIT), resumable',
  usage: 'stats --backbone ID [--model-dir DIR] --layers 4,5,6,7,8 --corpus FILE --samples N [--out DIR] [--dtype auto|f32|f16]',
  options: {
    ...MODEL_OPTIONS,
    layers: { type: 'string', help: 'comma-separated layer indices', arg: 'LIST' },
    corpus: { type: 'string', help: 'plain text (a sample per line) or JSONL with a text field', arg: 'FILE' },
    samples: { type: 'string', help: 'samples to read from the start of the corpus', arg: 'N' },
    out: { type: 'string', help: 'statistics directory', arg: 'DIR', default: '.cache/crossedit/stats' },
    lang: { type: 'string', help: 'language of the corpus (recorded)', arg: 'CODE', default: 'und' },
    'batch-tokens': { type: 'string', help: 'tokens per forward batch', arg: 'N', default: '4096' },
    dtype: { type: 'string', help: 'f32 or f64 storage', arg: 'DTYPE', default: 'f32' },
  },
  async run(values) {
    const layers = required(values, 'layers')
      .split(',')
      .map((s) => Number(s.trim()));
    if (layers.some((l) => !Number.isInteger(l) || l < 0)) throw new UsageError(`--layers must be comma-separated non-negative integers (got '${values.layers}')`);
    const corpus = required(values, 'corpus');
    const samples = Number(required(values, 'samples'));
    if (!(Number.isInteger(samples) && samples > 0)) throw new UsageError(`--samples must be a positive integer (got '${values.samples}')`);
    const batchTokens = intOption(values, 'batch-tokens', 1)!;
    const s = await openModel(values);
    const bad = layers.filter((l) => l >= s.model.config.numLayers);
    if (bad.length) throw new UsageError(`--layers ${bad.join(',')}: the model has ${s.model.config.numLayers} layers`);
    const bar = new ProgressBar(`stats ${layers.join(',')}`, samples);
    const ac = new AbortController();
    const onSigint = () => {
      process.stderr.write('\ninterrupt: checkpointing the partial sums (run the same command again to resume)\n');
      ac.abort();
    };
    process.once('SIGINT', onSigint);
    try {
      const r = await buildSecondMoments({
        model: s.model,
        tokenizer: s.tokenizer,
        layers,
        corpus,
        sampleCount: samples,
        outDir: String(values.out),
        lang: String(values.lang),
        batchTokens,
        dtype: String(values.dtype) as 'f32',
        backboneId: s.backbone.id,
        signal: ac.signal,
        onProgress: (p) => bar.update(p.samples, `${p.tokens} tokens, ${Math.round(p.tokensPerSecond)} tok/s`),
      });
      bar.finish();
      process.stdout.write(`${JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? String(v) : v), 2)}\n`);
    } finally {
      process.off('SIGINT', onSigint);
      s.model.dispose();
      s.backend.dispose();
    }
  },
};
