/** IKE's apply: retrieve demonstrations for each request; the edit is the context it returns. */
import path from 'node:path';
import type { EditContext, EditRequest, EditResult, SentenceEncoder } from '@crossedit/core';
import { buildBank, type DemoBank } from './bank.js';
import { contextPrompt, demoText, queryText } from './demos.js';
import { backboneEncoder, backboneFingerprint, bertEncoderFor } from './encoder.js';
import type { IkeHparams } from './hparams.js';
import { topKCosine } from './retrieve.js';

/** Positions kept free after the context for the answer tokens. */
const ANSWER_RESERVE = 48;

/** The demonstration lists after `j` drops, each the last of the longest list (the first such). */
function afterDrops(demosPer: readonly (readonly string[])[], j: number): string[][] {
  const per = demosPer.map((d) => [...d]);
  for (let i = 0; i < j; i++) per[per.reduce((a, d, x) => (d.length > per[a].length ? x : a), 0)].pop();
  return per;
}

/**
 * The fewest drops of demonstrations (each the least similar of the longest list) after which the
 * context's length in tokens, `length(per)`, is within `budget`; all of them when none fits. `linear`
 * tries the drop counts one by one; `bisect` (default) bisects over the count, which finds the same
 * count because a context with fewer demonstrations is never longer in tokens, with about log2(k)
 * tokenizations instead of up to k (`test/e2e/ike-fit.test.ts` compares both on Bi-ZsRE records with
 * the embedded tokenizer). @internal
 */
export function fitDemos(
  demosPer: readonly (readonly string[])[],
  length: (per: readonly string[][]) => number,
  budget: number,
  search: 'bisect' | 'linear' = 'bisect',
): { per: string[][]; drops: number } {
  const total = demosPer.reduce((a, d) => a + d.length, 0);
  const fits = (j: number) => j >= total || length(afterDrops(demosPer, j)) <= budget;
  let lo = 0;
  if (search === 'linear') while (!fits(lo)) lo++;
  else if (!fits(0)) {
    // fits(lo) is false, fits(hi) true
    let hi = total;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (fits(mid)) hi = mid;
      else lo = mid;
    }
    lo = hi;
  }
  return { per: afterDrops(demosPer, lo), drops: lo };
}

const banks = new WeakMap<object, Map<string, DemoBank>>();

/** Resolves the bank source: the hparam, or `<dataDir>/mzsre/train`. */
export function bankSource(ctx: EditContext, h: IkeHparams): string {
  if (h.bank) return h.bank;
  if (ctx.dataDir) return path.join(ctx.dataDir, 'mzsre', 'train');
  throw new Error("ike: no demonstration bank: set the 'bank' hyperparameter to a training directory or a ZsRE-format file");
}

/** The retrieval encoder for `h`: a BERT directory when `encoderDir` is set, else the backbone's hidden states. */
export async function ikeEncoder(ctx: EditContext, h: IkeHparams): Promise<SentenceEncoder> {
  if (h.encoderDir) return bertEncoderFor(h.encoderDir, ctx.backend);
  const fp = await backboneFingerprint(ctx.model);
  return backboneEncoder(ctx.model, ctx.tokenizer, { id: `backbone:${ctx.backbone.id}:${fp.slice(0, 24)}` });
}

/**
 * Applies IKE with `encoder` (default: see {@link ikeEncoder}). For each request the `k` bank
 * demonstrations most similar to `New Fact: {p} {t}\nPrompt: {p}\n\n` are retrieved, most similar
 * first; `wrapPrompt(x)` returns `{demos}New Fact: {p} {t}\nPrompt: {x}` (the evaluator appends ` {answer}`);
 * `wrapPrompt(x, f)` states `f` instead of `t` in the fact line (the demonstrations stay those of t).
 */
export async function applyIke(ctx: EditContext, requests: readonly EditRequest[], h: IkeHparams, encoder?: SentenceEncoder): Promise<EditResult> {
  const t0 = performance.now();
  const enc = encoder ?? (await ikeEncoder(ctx, h));
  const lang = requests[0]?.lang ?? 'en';
  const mixed = requests.find((r) => r.lang !== lang);
  if (mixed) throw new Error(`ike: requests in one call must share a language (got '${lang}' and '${mixed.lang}')`);
  const source = bankSource(ctx, h);
  const key = `${enc.id}|${source}|${lang}|${h.bankLimit}|${h.bankTemplate}`;
  let perModel = banks.get(ctx.model);
  if (!perModel) banks.set(ctx.model, (perModel = new Map()));
  let bank = perModel.get(key);
  if (!bank) {
    bank = await buildBank({ source, lang, limit: h.bankLimit, template: h.bankTemplate, encoder: enc, cacheDir: ctx.cacheDir });
    perModel.set(key, bank);
    ctx.log.info(
      `ike: bank of ${bank.demos.length} demonstrations (${Object.entries(bank.kinds).map(([k, n]) => `${k} ${n}`).join(', ')}) from ${source}${bank.fromCache ? ' (cached embeddings)' : ''}`,
    );
  }
  const b = bank;
  const q = await enc.encode(requests.map((r) => queryText(r.prompt, r.target)));
  const demosPer = requests.map((r, i) => {
    const hits = topKCosine(b.embeddings, b.dim, q.subarray(i * enc.dim, (i + 1) * enc.dim), h.k);
    const texts = hits.map((x) => b.demos[x.index].text);
    if (h.appendCopyDemo) texts.push(demoText(r.prompt, r.target, r.prompt, r.target));
    return texts;
  });
  // one request: its own context; several: every fact's demonstrations and fact line, the last one asked
  // (its fact line states `factTarget` when the evaluator gives one: the item language's new answer)
  const build = (question: string, per: readonly string[][], factTarget: string | undefined) =>
    requests
      .map((r, i) =>
        i === requests.length - 1 ? contextPrompt(per[i], r.prompt, factTarget ?? r.target, question) : `${per[i].join('')}New Fact: ${r.prompt} ${r.target}\n`,
      )
      .join('');
  // The context must fit the model's positions with room for the answer: drop the least similar
  // demonstrations (the last of the longest list) one by one until it does.
  const budget = ctx.model.config.maxPositions - ANSWER_RESERVE;
  let dropped = 0;
  // the evaluator wraps each question more than once (to check it fits, then to score it)
  const wrapped = new Map<string, { text: string; drops: number }>();
  const wrapPrompt = (question: string, factTarget?: string) => {
    const key = JSON.stringify([question, factTarget ?? null]);
    let w = wrapped.get(key);
    if (!w) {
      const text = (per: readonly string[][]) => build(question, per, factTarget);
      const fit = fitDemos(demosPer, (per) => ctx.tokenizer.encode(text(per)).ids.length, budget);
      w = { text: text(fit.per), drops: fit.drops };
      wrapped.set(key, w);
    }
    dropped += w.drops;
    return w.text;
  };
  return {
    deltas: [],
    wrapPrompt,
    diagnostics: {
      demos: demosPer[0]?.length ?? 0,
      get demosDroppedToFit() {
        return dropped;
      },
      bank: b.demos.length,
      bankKinds: JSON.stringify(b.kinds),
      bankSource: source,
      bankSha256: b.sourceHash,
      bankFromCache: b.fromCache ? 'yes' : 'no',
      bankLang: lang,
      encoder: enc.id,
      ms: performance.now() - t0,
    },
    async restore() {},
  };
}
