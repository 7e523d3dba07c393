/**
 * IKE fits its context to the model's positions by dropping the least similar demonstrations. The
 * bisection over the drop count (`fitDemos`, the default) must stop where the one-by-one loop stops: on
 * Bi-ZsRE test records with the embedded tokenizer, 32 demonstrations from the MzsRE training bank, the
 * embedded model's budget and every question an edit is scored on (both edit languages, fact targets in
 * the item language as the evaluator asks), the same demonstrations and drop counts.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import tiny from '@crossedit/backbone-tiny';
import { contextPrompt, demosOf, fitDemos, readDemoSources } from '@crossedit/method-ike';

const SHARED = process.env.CROSSEDIT_SHARED ?? path.resolve(import.meta.dirname, '../../../shared');

interface Side {
  src: string;
  rephrase: string;
  alt: string;
  loc: string;
  portability?: { 'New Question': string; 'New Answer': string };
}

describe('IKE context fitting: bisection equals the one-by-one loop', () => {
  it('on 6 Bi-ZsRE records × 2 edit languages × every scored question, with the embedded tokenizer', async () => {
    const tok = await tiny.createTokenizer({});
    const records = (JSON.parse(readFileSync(path.join(SHARED, 'data/bizsre/bizsre_test.json'), 'utf8')) as Record<'en' | 'zh', Side>[]).slice(0, 6);
    const budget = 256 - 48; // the embedded model's maxPositions less IKE's answer reserve
    let cases = 0;
    let dropping = 0;
    const encodes = { bisect: 0, linear: 0 };
    for (const lang of ['en', 'zh'] as const) {
      const bank = readDemoSources(path.join(SHARED, 'data/mzsre/train'), lang, 200).sources.flatMap((s) => demosOf(s).map((d) => d.text));
      expect(bank.length).toBeGreaterThan(100);
      for (const [i, rec] of records.entries()) {
        await new Promise((r) => setImmediate(r)); // the tokenizer is synchronous: let the runner breathe
        const edit = rec[lang];
        // 32 demonstrations, a different window of the bank per record
        const demos = Array.from({ length: 32 }, (_, j) => bank[(i * 17 + j * 5) % bank.length]);
        const other = rec[lang === 'en' ? 'zh' : 'en'];
        const asks: [string, string][] = [
          [edit.src, edit.alt],
          [edit.rephrase, edit.alt],
          [other.rephrase, other.alt],
          [edit.loc, edit.alt],
          ...(edit.portability ? [[edit.portability['New Question'], edit.alt] as [string, string]] : []),
        ];
        for (const [question, fact] of asks) {
          const run = (search: 'bisect' | 'linear') =>
            fitDemos(
              [demos],
              (per) => {
                encodes[search]++;
                return tok.encode(contextPrompt(per[0], edit.src, fact, question)).ids.length;
              },
              budget,
              search,
            );
          const linear = run('linear');
          const bisect = run('bisect');
          expect(bisect, `record ${i} ${lang}: ${question}`).toEqual(linear);
          cases++;
          if (linear.drops > 0) dropping++;
        }
      }
    }
    expect(cases).toBeGreaterThan(50);
    // the budget binds in most cases, so the search matters
    expect(dropping / cases).toBeGreaterThan(0.8);
    expect(encodes.bisect).toBeLessThan(encodes.linear / 3);
  });
});
