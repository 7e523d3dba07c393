/**
 * Exact agreement with the real SentencePiece library (Debian's python3-sentencepiece, frozen in
 * fixtures/sentencepiece-golden.json.gz by fixtures/make_fixtures.py) on the Bi-ZsRE corpus rebuilt from
 * ../shared and on hand-written edge cases.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { buildCorpus, fixturesDir } from '../corpus.js';
import { type Golden, haveSharedData, lineHash, REAL_MODELS, readGolden, realModelPath } from '../testing/golden.js';
import { parseModelProto } from './model-file.js';
import { SentencePieceTokenizer } from './sentencepiece-tokenizer.js';

const shared = haveSharedData();

/** Code-point offsets of `text` to UTF-16 offsets. */
function cpToUtf16(text: string): number[] {
  const map: number[] = [];
  let u = 0;
  for (const ch of text) {
    map.push(u);
    u += ch.length;
  }
  map.push(u);
  return map;
}

function firstDiff(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] !== b[i]) return i;
  return -1;
}

describe.skipIf(!shared)('SentencePiece golden agreement', () => {
  let golden: Golden;
  let lines: string[];
  beforeAll(() => {
    golden = readGolden();
    lines = buildCorpus();
  });

  it('rebuilds the same corpus the fixture was made from (>= 2000 lines, hashes align)', () => {
    expect(lines.length).toBe(golden.lines);
    expect(lines.length).toBeGreaterThanOrEqual(2000);
    const bad = lines.map((l, i) => (lineHash(l) === golden.line_sha1_12[i] ? -1 : i)).filter((i) => i >= 0);
    expect(bad).toEqual([]);
    // bilingual: plenty of both scripts
    expect(lines.filter((l) => /[\u4e00-\u9fff]/.test(l)).length).toBeGreaterThan(1000);
    expect(lines.filter((l) => /^[\x20-\x7e]+$/.test(l)).length).toBeGreaterThan(1000);
  });

  for (const name of REAL_MODELS) {
    describe(name, () => {
      let tok: SentencePieceTokenizer;
      beforeAll(() => {
        const bytes = readFileSync(realModelPath(name));
        expect(createHash('sha256').update(bytes).digest('hex')).toBe(golden.models[name].file_sha256);
        tok = SentencePieceTokenizer.fromProto(parseModelProto(bytes, realModelPath(name)), realModelPath(name));
      });

      it('has the vocabulary size and special ids of the model', () => {
        expect(tok.vocabSize).toBe(golden.models[name].pieces);
        expect(tok.special).toEqual({ bos: 1, eos: 2, pad: null, unk: 0 });
      });

      it('encodes every corpus line to exactly the ids SentencePiece gives', () => {
        const exp = golden.models[name].ids;
        const encs = tok.encodeMany(lines, { addBos: false });
        const mismatched: string[] = [];
        let ids = 0;
        encs.forEach((e, i) => {
          ids += exp[i].length;
          const d = firstDiff(e.ids, exp[i]);
          if (d >= 0) mismatched.push(`${i} ${JSON.stringify(lines[i])} at token ${d}: ${e.ids.slice(d, d + 4)} vs ${exp[i].slice(d, d + 4)}`);
        });
        expect(mismatched.slice(0, 5)).toEqual([]);
        expect(ids).toBeGreaterThan(40_000);
      });

      it('decodes the ids back as SentencePiece does', () => {
        const g = golden.models[name];
        const wrong: string[] = [];
        g.ids.forEach((ids, i) => {
          const expected = g.decoded[String(i)] ?? lines[i];
          const got = tok.decode(ids);
          if (got !== expected) wrong.push(`${i}: ${JSON.stringify(got)} vs ${JSON.stringify(expected)}`);
        });
        expect(wrong.slice(0, 5)).toEqual([]);
        // the text that does not round-trip is what normalization changes (e.g. Baichuan's NFKC)
        expect(Object.keys(g.decoded).length).toBeLessThan(lines.length / 50);
      });

      it('decodes hand-picked and random id sequences (control, unk, byte pieces) as SentencePiece does', () => {
        const cases = golden.models[name].decode_cases;
        expect(cases.length).toBeGreaterThan(300);
        const wrong = cases.filter((c) => tok.decode(c.ids) !== c.text).map((c) => `${c.ids}: ${JSON.stringify(tok.decode(c.ids))} vs ${JSON.stringify(c.text)}`);
        expect(wrong.slice(0, 5)).toEqual([]);
      });

      it("gives SentencePiece's piece offsets (converted to UTF-16; byte pieces carry their character)", () => {
        const offs = golden.models[name].offsets_codepoints;
        const wrong: string[] = [];
        let checked = 0;
        for (const [k, exp] of Object.entries(offs)) {
          const i = Number(k);
          const map = cpToUtf16(lines[i]);
          const { ids, offsets } = tok.encode(lines[i], { addBos: false });
          expect(ids.length).toBe(exp.length);
          for (let t = 0; t < ids.length; t++) {
            const isByte = /^<0x[0-9A-F]{2}>$/.test(tok.idToToken(ids[t]) ?? '');
            // SentencePiece gives the last byte piece of a character its range, the others an empty one
            if (isByte && exp[t][0] === exp[t][1]) continue;
            checked++;
            const want = [map[exp[t][0]], map[exp[t][1]]];
            if (offsets[t][0] !== want[0] || offsets[t][1] !== want[1]) wrong.push(`${i} token ${t}: ${offsets[t]} vs ${want}`);
          }
        }
        expect(wrong.slice(0, 5)).toEqual([]);
        expect(checked).toBeGreaterThan(5000);
      });
    });
  }

  it('matches SentencePiece without byte fallback (unknown fusion) and with an UNUSED piece (tiny model)', () => {
    const t = golden.tiny;
    const tok = SentencePieceTokenizer.fromFile(path.join(fixturesDir(), 'tiny-bpe.model'));
    const texts = [...t.lines, ...lines.slice(0, t.corpus_head)];
    expect(texts.map((l) => tok.encode(l, { addBos: false }).ids)).toEqual(t.ids);
    expect(t.ids.map((ids) => tok.decode(ids))).toEqual(t.decoded);
    // "abcd": b+c, then a+bc = "abc" (UNUSED) is split back, so c+d never merges
    expect(t.pieces[t.lines.indexOf('abcd')]).toEqual(['\u2581', 'a', 'bc', 'd']);
    // "yz": two unknown characters fuse into one <unk> covering both
    const yz = tok.encode('x yz x', { addBos: false });
    expect(yz.ids).toEqual(t.ids[t.lines.indexOf('x yz x')]);
    expect(yz.offsets[yz.ids.indexOf(0)]).toEqual([2, 4]);
  });

  it('matches SentencePiece with normalizer options the real models do not use (variants)', () => {
    for (const [name, v] of Object.entries(golden.variants)) {
      const bytes = Buffer.concat([readFileSync(realModelPath(v.base)), Buffer.from(v.append_hex, 'hex')]);
      const tok = SentencePieceTokenizer.fromProto(parseModelProto(bytes, `${name}.model`), `${name}.model`);
      const sub = [...lines.slice(0, v.count), ...lines.slice(lines.length - v.tail)];
      expect(sub.length).toBe(v.ids.length);
      const badIds = sub.filter((l, i) => firstDiff(tok.encode(l, { addBos: false }).ids, v.ids[i]) >= 0);
      expect({ name, bad: badIds.slice(0, 3) }).toEqual({ name, bad: [] });
      const badText = v.ids.filter((ids, i) => tok.decode(ids) !== (v.decoded[String(i)] ?? sub[i]));
      expect({ name, bad: badText.slice(0, 3) }).toEqual({ name, bad: [] });
    }
  });
});
