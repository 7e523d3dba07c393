import { describe, expect, it } from 'vitest';
import { PieceTokenizer } from '@crossedit/testing/fixtures';
import { tokenF1 } from './f1.js';
import { scoringRules } from './mode.js';
import { scoreItem, type ScoreContext } from './scoreItem.js';
import { planInContext, planTeacherForcing, readPredictions } from './teacherForcing.js';

const Q = 'Which family does Ramalinaceae belong to?';
const correct = scoringRules('correct');
const paper = scoringRules('bizsre-2023');

function ctx(tok: PieceTokenizer, rules = correct): ScoreContext {
  return { decode: (ids) => tok.decode(ids, { skipSpecialTokens: true }), f1Tokenize: (s) => tok.encode(s, { addBos: false }).ids, rules };
}

describe('planTeacherForcing, correct mode (single pass, EasyEdit HEAD)', () => {
  it('one sequence prompt + " " + target; predictions read just before each target token', () => {
    const tok = new PieceTokenizer();
    const plan = planTeacherForcing(tok, { kind: 'rewrite', prompt: Q, target: 'Los Angeles' }, correct);
    const promptIds = tok.encode(Q).ids; // <s> ▁Which ▁family ▁does ▁Ramalinaceae ▁belong ▁to ?
    expect(promptIds).toHaveLength(8);
    expect(plan.sequences).toEqual([[...promptIds, tok.encode('Los', { addBos: false }).ids[0], tok.encode(' Angeles', { addBos: false }).ids[1]]]);
    expect(plan.labels).toEqual(plan.sequences[0].slice(8));
    expect(plan.reads).toEqual([
      { sequence: 0, position: 7 },
      { sequence: 0, position: 8 },
    ]);
    expect(plan.reference).toBe('Los Angeles');
    expect(plan.boundaryMismatch).toBe(false);
  });

  it('Chinese: the separator space becomes a ▁ piece that is part of the labels', () => {
    const tok = new PieceTokenizer();
    const plan = planTeacherForcing(tok, { kind: 'rewrite', prompt: 'Ramalinaceae属于哪个科？', target: '沟胫天牛亚科' }, correct);
    expect(plan.labels.map((id) => tok.idToToken(id))).toEqual(['▁', '沟', '胫', '天', '牛', '亚', '科']);
    expect(plan.reference).toBe('沟胫天牛亚科'); // decoding drops the leading space, as SentencePiece does
  });

  it('a perfect model scores 1/1/1; one wrong token lowers accuracy and F1 by hand-computable amounts', () => {
    const tok = new PieceTokenizer();
    const item = { kind: 'rewrite' as const, prompt: 'Ramalinaceae属于哪个科？', target: '沟胫天牛亚科' };
    const plan = planTeacherForcing(tok, item, correct);
    const perfect = scoreItem('rewrite', plan, plan.labels, undefined, ctx(tok));
    expect(perfect).toMatchObject({ tokenAcc: 1, f1: 1, em: 1, answer: '沟胫天牛亚科', reference: '沟胫天牛亚科' });
    const wrong = [...plan.labels];
    wrong[1] = tok.encode('天', { addBos: false }).ids[1]; // 沟 → 天
    const s = scoreItem('rewrite', plan, wrong, undefined, ctx(tok));
    expect(s.tokenAcc).toBeCloseTo(6 / 7, 12);
    expect(s.answer).toBe('天胫天牛亚科');
    // tokens ▁ 天 胫 天 牛 亚 科 vs ▁ 沟 胫 天 牛 亚 科: 6 common of 7 each.
    expect(s.f1).toBeCloseTo(6 / 7, 12);
    expect(s.em).toBe(0);
  });

  it('locality compares post with pre predictions, not with the gold answer', () => {
    const tok = new PieceTokenizer();
    const plan = planTeacherForcing(tok, { kind: 'locality', prompt: 'nq question: who wrote hamlet', target: 'William Shakespeare' }, correct);
    const pre = [tok.encode('Charles', { addBos: false }).ids[0], tok.encode('Dickens', { addBos: false }).ids[0]];
    const same = scoreItem('locality', plan, pre, pre, ctx(tok));
    expect(same).toMatchObject({ tokenAcc: 1, f1: 1, em: 1, answer: 'Charles Dickens', reference: 'Charles Dickens' });
    const post = [pre[0], tok.encode('Darwin', { addBos: false }).ids[0]];
    const s = scoreItem('locality', plan, post, pre, ctx(tok));
    expect(s.tokenAcc).toBe(0.5);
    expect(s.f1).toBeCloseTo(0.5, 12);
    expect(() => scoreItem('locality', plan, post, undefined, ctx(tok))).toThrow(/pre-edit/);
  });

  it('rejects a target that adds no tokens', () => {
    expect(() => planTeacherForcing(new PieceTokenizer(), { kind: 'rewrite', prompt: Q, target: '' }, correct)).toThrow(/empty target/);
    expect(() => planTeacherForcing(new PieceTokenizer(), { kind: 'rewrite', prompt: Q, target: ' ' }, scoringRules('bizsre-2023'))).toThrow(/empty target/);
  });
});

describe('planTeacherForcing, bizsre-2023 mode (per prefix, BOS kept)', () => {
  it('keeps BOS as the first target id: prefixes are prompt, prompt + <s>, prompt + <s> + t1, …', () => {
    const tok = new PieceTokenizer();
    const plan = planTeacherForcing(tok, { kind: 'rewrite', prompt: Q, target: 'Los Angeles' }, paper);
    const p = tok.encode(Q).ids;
    const los = tok.encode('Los', { addBos: false }).ids;
    const angeles = tok.encode('Los Angeles', { addBos: false }).ids[1];
    expect(plan.labels).toEqual([1, los[0], angeles]);
    expect(plan.sequences).toEqual([p, [...p, 1], [...p, 1, los[0]]]);
    expect(plan.reads).toEqual(plan.sequences.map((s, i) => ({ sequence: i, position: s.length - 1 })));
    expect(plan.reference).toBe('Los Angeles');
  });

  it('so a model that always predicts the right next word still misses EM (the published quirk)', () => {
    const tok = new PieceTokenizer();
    const plan = planTeacherForcing(tok, { kind: 'rewrite', prompt: Q, target: 'Los Angeles' }, paper);
    const [, los, angeles] = plan.labels;
    // After the prompt and after "<s>" the best guess is "Los"; after "<s> Los" it is "Angeles".
    const s = scoreItem('rewrite', plan, [los, los, angeles], undefined, ctx(tok, paper));
    expect(s.tokenAcc).toBeCloseTo(2 / 3, 12);
    expect(s.answer).toBe('Los Los Angeles');
    expect(s.em).toBe(0);
    // "F1" = |common|² / (3 · 2) = 4/6.
    expect(s.f1).toBeCloseTo(4 / 6, 12);
  });

  it('truncates prefixes and targets to 30 tokens', () => {
    const tok = new PieceTokenizer();
    const long = Array.from({ length: 40 }, (_, i) => `w${i}`).join(' ');
    const plan = planTeacherForcing(tok, { kind: 'rewrite', prompt: long, target: 'Paris' }, paper);
    for (const s of plan.sequences) expect(s.length).toBeLessThanOrEqual(30);
    expect(plan.reads.every((r) => r.position === 29)).toBe(true);
    const longTarget = planTeacherForcing(tok, { kind: 'rewrite', prompt: 'Q?', target: long }, paper);
    expect(longTarget.labels).toHaveLength(30);
  });

  it('SERAC drops the BOS (stripTargetBos)', () => {
    const tok = new PieceTokenizer();
    const plan = planTeacherForcing(tok, { kind: 'rewrite', prompt: Q, target: 'Paris' }, paper, { stripTargetBos: true });
    expect(plan.labels).toEqual(tok.encode('Paris', { addBos: false }).ids);
    expect(plan.sequences).toEqual([tok.encode(Q).ids]);
  });

  it('portability: no separator, labels are the first id of each re-encoded piece (BOS), target lower-cased without spaces', () => {
    const tok = new PieceTokenizer();
    const plan = planTeacherForcing(tok, { kind: 'portability', prompt: 'Which family now?', target: 'New York' }, paper);
    // t = encode(" New York") with BOS = <s> ▁ ▁New ▁York
    expect(plan.labels).toEqual([1, 1, 1, 1]);
    expect(plan.reference).toBe('newyork');
    expect(plan.lowerStrip).toBe(true);
    expect(plan.sequences).toHaveLength(4);
    const ids = tok.encode(' New York', { addBos: false }).ids;
    const s = scoreItem('portability', plan, [ids[1], ids[1], ids[2], 2], undefined, ctx(tok, paper));
    expect(s.answer).toBe('new new york'); // decoded, lower-cased, stripped
    expect(s.tokenAcc).toBe(0);
  });

  it('correct mode does not apply the portability quirks', () => {
    const tok = new PieceTokenizer();
    const plan = planTeacherForcing(tok, { kind: 'portability', prompt: 'Which family now?', target: 'New York' }, correct);
    expect(plan.reference).toBe('New York');
    expect(plan.lowerStrip).toBe(false);
  });
});

describe('readPredictions', () => {
  it('picks argmax ids at the read points', () => {
    expect(readPredictions({ reads: [{ sequence: 0, position: 2 }, { sequence: 1, position: 0 }] }, [[5, 6, 7], [8]])).toEqual([7, 8]);
    expect(() => readPredictions({ reads: [{ sequence: 2, position: 0 }] }, [[1]])).toThrow(/sequence 2/);
  });
});

describe("planInContext (the paper's icl_lm_eval for IKE)", () => {
  // a context as long as IKE's: 30 demonstrations, far past the paper-era 30-token truncation
  const demos = Array.from({ length: 30 }, (_, i) => `New Fact: Q${i}? A${i}\nPrompt: Q${i}? A${i}\n\n`).join('');
  const context = `${demos}New Fact: ${Q} Lamiinae\nPrompt: Ramalinaceae属于哪个科？`;

  it('one untruncated sequence context + " " + target; the answer read at the last |tok(target)|-1 positions', () => {
    const tok = new PieceTokenizer();
    const plan = planInContext(tok, { kind: 'rephrase', prompt: context, target: '沟胫天牛亚科' });
    const full = tok.encode(`${context} 沟胫天牛亚科`).ids;
    expect(full.length).toBeGreaterThan(250);
    expect(plan.sequences).toEqual([full]);
    const t = tok.encode('沟胫天牛亚科').ids; // <s> ▁ 沟 胫 天 牛 亚 科
    expect(t[0]).toBe(tok.special.bos);
    expect(plan.labels).toEqual(t.slice(1));
    // argmax(logits)[-len(t):-1]: the positions that predict the last len(t)-1 tokens
    expect(plan.reads).toEqual(t.slice(1).map((_, i) => ({ sequence: 0, position: full.length - t.length + i })));
    expect(plan.reference).toBe('沟胫天牛亚科');
    expect(plan.lowerStrip).toBe(false);
    expect(plan.boundaryMismatch).toBe(false);
    // the per-prefix layout of the same item cuts the context at 30 tokens and never sees the question
    const cut = planTeacherForcing(tok, { kind: 'rephrase', prompt: context, target: '沟胫天牛亚科' }, paper);
    expect(cut.sequences.every((q) => q.length === 30)).toBe(true);
    expect(new Set(cut.sequences.map((q) => q.join(','))).size).toBe(1);
  });

  it('reads the last positions even when the joint tokenisation differs from tok(target); empty targets are refused', () => {
    const tok = new PieceTokenizer();
    const plan = planInContext(tok, { kind: 'portability', prompt: 'Prompt: x', target: 'Los Angeles' });
    const full = plan.sequences[0];
    expect(plan.reads.at(-1)).toEqual({ sequence: 0, position: full.length - 2 });
    expect(plan.reference).toBe('Los Angeles'); // portability is not lower-cased on this path
    expect(() => planInContext(tok, { kind: 'rewrite', prompt: 'x', target: '' })).toThrow(/no tokens/);
  });
});

describe('modes', () => {
  it('correct is the default and differs from bizsre-2023 in every rule', () => {
    const a = scoringRules();
    const b = scoringRules('bizsre-2023');
    expect(a.mode).toBe('correct');
    const rules = ['f1', 'reliabilityTarget', 'teacherForcing', 'promptEdits', 'factTarget', 'keepBosInTarget', 'maxLength', 'trim', 'paperPortability'] as const;
    for (const k of rules) expect(a[k]).not.toEqual(b[k]);
    // bizsre-2024 (krystalan/Bi_ZsRE @ 4b2c8d5) differs from bizsre-2023 only in the reliability target
    const c = scoringRules('bizsre-2024');
    expect(rules.filter((k) => c[k] !== b[k])).toEqual(['reliabilityTarget']);
    expect(c.reliabilityTarget).toBe('source');
    expect(() => scoringRules('x' as never)).toThrow(/unknown scorer mode/);
    expect(tokenF1(['a'], ['a', 'b'])).toBeCloseTo(2 / 3, 12);
  });
});
