/** IKE's apply: retrieve demonstrations for each request; the edit is the context it returns. */
import path from 'node:path';
import type { EditContext, EditRequest, EditResult, SentenceEncoder } from '@crossedit/core';
import { buildBank, type DemoBank } from './bank.js';
import { contextPrompt, demoText, queryText } from './demos.js';
import { backboneEncoder } from './encoder.js';
import type { IkeHparams } from './hparams.js';
import { topKCosine } from './retrieve.js';

const banks = new WeakMap<object, Map<string, DemoBank>>();

/** Resolves the bank source: the hparam, or `<dataDir>/mzsre/train`. */
export function bankSource(ctx: EditContext, h: IkeHparams): string {
  if (h.bank) return h.bank;
  if (ctx.dataDir) return path.join(ctx.dataDir, 'mzsre', 'train');
  throw new Error("ike: no demonstration bank: set the 'bank' hyperparameter to a training directory or a ZsRE-format file");
}

/** Applies IKE with `encoder` (default: the backbone's mean-pooled hidden states). */
export async function applyIke(ctx: EditContext, requests: readonly EditRequest[], h: IkeHparams, encoder?: SentenceEncoder): Promise<EditResult> {
  const t0 = performance.now();
  const enc = encoder ?? backboneEncoder(ctx.model, ctx.tokenizer);
  const lang = requests[0]?.lang ?? 'en';
  const source = bankSource(ctx, h);
  const key = `${enc.id}|${source}|${lang}|${h.bankLimit}`;
  let perModel = banks.get(ctx.model);
  if (!perModel) banks.set(ctx.model, (perModel = new Map()));
  let bank = perModel.get(key);
  if (!bank) {
    bank = await buildBank({ source, lang, limit: h.bankLimit, encoder: enc, cacheDir: ctx.cacheDir });
    perModel.set(key, bank);
    ctx.log.info(`ike: bank of ${bank.demos.length} demonstrations (${Object.entries(bank.kinds).map(([k, n]) => `${k} ${n}`).join(', ')}) from ${source}`);
  }
  const demosPer = await Promise.all(
    requests.map(async (r) => {
      const q = await enc.encode([queryText(r.prompt, r.target)]);
      const hits = topKCosine(bank!.embeddings, bank!.dim, q, h.k);
      const texts = hits.map((x) => bank!.demos[x.index].text);
      if (h.appendCopyDemo) texts.push(demoText(r.prompt, r.target, r.prompt, r.target));
      return texts;
    }),
  );
  // one request: its own context; several: all facts' contexts concatenated, newest last
  const wrapPrompt = (question: string) =>
    requests
      .map((r, i) => (i === requests.length - 1 ? contextPrompt(demosPer[i], r.prompt, r.target, question) : `${demosPer[i].join('')}New Fact: ${r.prompt} ${r.target}\n`))
      .join('');
  return {
    deltas: [],
    wrapPrompt,
    diagnostics: { demos: demosPer[0]?.length ?? 0, bank: bank.demos.length, bankKinds: JSON.stringify(bank.kinds), bankSource: source, encoder: enc.id, ms: performance.now() - t0 },
    async restore() {},
  };
}
