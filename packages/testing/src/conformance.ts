/**
 * `describeMethodConformance(method)`: the suite every method plugin runs, on a tiny random LLaMA with
 * a word tokenizer on the float64 CPU backend. It checks the contract hosts rely on, not the method's
 * own mathematics (each plugin tests that itself).
 */
import { describe, expect, it } from 'vitest';
import {
  checkHparamsForModel,
  composeWrapPrompts,
  HparamError,
  memory,
  parseHparams,
  type EditContext,
  type EditMethod,
  type EditRequest,
  type EditResult,
  type HparamField,
} from '@crossedit/core';
import { identityStats } from './stats.js';
import { targetLogProb } from './score.js';
import { cpuBackend, tinyContext, tinyLlama, weightsHash, type TinyLlamaOptions } from './tiny.js';
import { vocabOf, wordTokenizer } from './word-tokenizer.js';

/** Options of {@link describeMethodConformance}. */
export interface ConformanceOptions<H> {
  /** Hyperparameter overrides for the tiny model (over the schema defaults and the method's presets). */
  hparams?: Partial<H>;
  /** The tiny model's shape (default 4 layers; the vocabulary comes from the requests). */
  model?: Omit<TinyLlamaOptions, 'vocabSize' | 'backend'>;
  /** Two edit requests on different subjects (defaults: two invented facts). */
  requests?: readonly [EditRequest, EditRequest];
  /**
   * More context for the method (a data directory, a cache directory, an artifact directory). Methods
   * whose `requires(h).statsLayers` is not empty get identity second moments unless this gives `stats`.
   */
  context?: (base: EditContext) => Partial<EditContext> | Promise<Partial<EditContext>>;
  /** Extra words for the tokenizer's vocabulary (texts the method adds to prompts). */
  vocabulary?: readonly string[];
  /** How much the target's mean log-probability must rise (default: any rise). */
  minLogProbRise?: number;
}

/** The default requests: invented facts a random model cannot know. */
export const CONFORMANCE_REQUESTS: readonly [EditRequest, EditRequest] = [
  { id: 'c0', prompt: 'The capital of Veltria is', subject: 'Veltria', target: 'Morvan', lang: 'en' },
  { id: 'c1', prompt: 'The author of Quillon was', subject: 'Quillon', target: 'Darsel Brook', lang: 'en' },
];

interface Fixture<H> {
  ctx: EditContext;
  hparams: H;
  requests: readonly [EditRequest, EditRequest];
}

async function fixture<H>(method: EditMethod<H>, o: ConformanceOptions<H>): Promise<Fixture<H>> {
  const backend = cpuBackend();
  const requests = o.requests ?? CONFORMANCE_REQUESTS;
  const tok = wordTokenizer(vocabOf([...requests.flatMap((r) => [r.prompt, r.target, r.subject, r.groundTruth ?? '']), ...(o.vocabulary ?? [])]));
  const model = tinyLlama({ seed: 7, layers: 4, ...o.model, vocabSize: tok.vocabSize, backend });
  const base = tinyContext(model, tok);
  const extra = (await o.context?.(base)) ?? {};
  const hparams = parseHparams<H>(method.id, method.hparams, method.presets?.(base.backbone), o.hparams);
  const needsStats = (method.requires(hparams).statsLayers ?? []).length > 0;
  const ctx: EditContext = { ...base, ...(needsStats && !extra.stats ? { stats: identityStats(model.config.intermediateSize, backend) } : {}), ...extra };
  return { ctx, hparams, requests };
}

/**
 * What the model predicts for `req` now, through `wrap` when the edit wraps prompts, and through the
 * edit's own model when it answers through a wrapper (`EditResult.model`, SERAC).
 */
const score = (ctx: EditContext, req: EditRequest, wrap?: (q: string) => string, model?: EditResult['model']) => targetLogProb(model ?? ctx.model, ctx.tokenizer, wrap ? wrap(req.prompt) : req.prompt, req.target);

/** Restores results of edits applied one after another, last first. */
async function restoreAll(results: readonly EditResult[]): Promise<void> {
  for (const r of [...results].reverse()) await r.restore();
}

function release(ctx: EditContext): void {
  ctx.model.dispose();
}

/** A value outside a numeric field's declared range, or undefined when it declares none. */
function outOfRange(f: HparamField<unknown>): unknown {
  const bump = f.integer ? 1 : 0.5;
  const bad = f.min !== undefined ? f.min - bump : f.max !== undefined ? f.max + bump : undefined;
  if (bad === undefined) return undefined;
  if (typeof f.default === 'number') return bad;
  if (Array.isArray(f.default) && (f.default.length === 0 || typeof f.default[0] === 'number')) return [bad];
  return undefined;
}

/**
 * Registers the conformance suite of `method` with vitest: a well-formed contract; unknown, mistyped
 * and out-of-range hyperparameters refused (`min`/`max`/`integer`, and layer indices beyond the
 * model); the edit raises the target's probability on the edit prompt and changes what the method
 * declares it changes (`edits`; a method answering through `EditResult.model` is scored through that
 * model and must leave the base weights alone); `restore()` gives back bit-identical weights (by hash) and the live
 * tensors and bytes of before the edit; each declared schedule (batch, sequential) changes both requests'
 * predictions
 * and restores.
 *
 * @example
 * ```ts
 * // src/conformance.test.ts of a method plugin
 * import { describeMethodConformance } from '@crossedit/testing';
 * import method from './index.js';
 * describeMethodConformance(method, { hparams: { steps: 20 } });
 * ```
 */
export function describeMethodConformance<H>(method: EditMethod<H>, o: ConformanceOptions<H> = {}): void {
  describe(`method '${method.id}' conforms to the method contract`, () => {
    it('declares a well-formed contract', () => {
      expect(method.id).toMatch(/^[a-z][a-z0-9-]*$/);
      expect(typeof method.description).toBe('string');
      expect(method.description.length).toBeGreaterThan(0);
      for (const [k, f] of Object.entries(method.hparams) as [string, HparamField<unknown>][]) {
        expect(f.doc, `hyperparameter '${k}' has a doc line`).toMatch(/\S/);
        expect('default' in f, `hyperparameter '${k}' has a default`).toBe(true);
      }
      expect(typeof method.requires, 'requires is a function of the hyperparameters').toBe('function');
      const req = method.requires(parseHparams<H>(method.id, method.hparams));
      expect(typeof req.gradients).toBe('boolean');
      expect(typeof method.supports.batch).toBe('boolean');
      expect(typeof method.supports.sequential).toBe('boolean');
      expect(['weights', 'prompt', undefined]).toContain(method.edits);
      for (const [name, p] of Object.entries(method.namedPresets ?? {})) {
        expect(p.doc, `preset '${name}' has a doc line`).toMatch(/\S/);
        expect(() => parseHparams(method.id, method.hparams, p.hparams), `preset '${name}' parses`).not.toThrow();
      }
    });

    it('refuses unknown, mistyped and out-of-range hyperparameters', async () => {
      expect(() => parseHparams(method.id, method.hparams, { __notAHyperparameter: 1 })).toThrow(HparamError);
      const fields = Object.entries(method.hparams) as [string, HparamField<unknown>][];
      for (const [k, f] of fields) {
        const wrong = typeof f.default === 'string' ? 12345 : typeof f.default === 'number' || typeof f.default === 'boolean' || Array.isArray(f.default) ? 'not-a-value' : undefined;
        if (wrong !== undefined) expect(() => parseHparams(method.id, method.hparams, { [k]: wrong }), `'${k}' = ${JSON.stringify(wrong)}`).toThrow(HparamError);
        const bad = outOfRange(f);
        if (bad !== undefined) expect(() => parseHparams(method.id, method.hparams, { [k]: bad }), `'${k}' = ${JSON.stringify(bad)}`).toThrow(HparamError);
      }
      const layerFields = fields.filter(([, f]) => f.layerIndices);
      if (layerFields.length) {
        const f = await fixture(method, o);
        const n = f.ctx.model.config.numLayers;
        for (const [k, field] of layerFields) {
          const h = { ...f.hparams, [k]: Array.isArray(field.default) ? [n] : n } as H;
          expect(() => checkHparamsForModel(method.id, method.hparams, h, { numLayers: n }), `'${k}' = layer ${n} of ${n}`).toThrow(HparamError);
        }
        release(f.ctx);
      }
    });

    it('the edit raises the target on the edit prompt; restore() gives back the weights and memory', async () => {
      const f = await fixture(method, o);
      const [req] = f.requests;
      const before = await score(f.ctx, req);
      const hash0 = await weightsHash(f.ctx.model);
      const mem0 = memory(f.ctx.backend);
      const result = await method.apply(f.ctx, [req], f.hparams);
      const after = await score(f.ctx, req, result.wrapPrompt, result.model);
      expect(after, `mean log p(target) ${before.toFixed(4)} → ${after.toFixed(4)}`).toBeGreaterThan(before + (o.minLogProbRise ?? 0));
      if (result.model) {
        // answers through a wrapper model: the base weights stay as they were
        expect(result.model, 'the wrapper is not the base model').not.toBe(f.ctx.model);
        expect(await weightsHash(f.ctx.model), 'a wrapper edit leaves the base weights alone').toBe(hash0);
      } else if ((method.edits ?? 'weights') === 'weights') {
        expect(result.deltas.length, "a 'weights' method reports its deltas").toBeGreaterThan(0);
        expect(await weightsHash(f.ctx.model), 'the weights changed').not.toBe(hash0);
      } else {
        expect(typeof result.wrapPrompt, "a 'prompt' method wraps prompts").toBe('function');
      }
      for (const [k, v] of Object.entries(result.diagnostics)) expect(['number', 'string'], `diagnostic '${k}'`).toContain(typeof v);
      await result.restore();
      expect(await weightsHash(f.ctx.model), 'restore() is bit-identical').toBe(hash0);
      const mem1 = memory(f.ctx.backend);
      expect({ tensors: mem1.tensors, bytes: mem1.bytes }, 'live tensors and bytes are back to baseline').toEqual({ tensors: mem0.tensors, bytes: mem0.bytes });
      release(f.ctx);
    });

    if (method.supports.batch) {
      it('batch: one apply with two requests raises their targets, and restores', async () => {
        const f = await fixture(method, o);
        const both = (wrap?: (q: string) => string, model?: EditResult['model']) => Promise.all(f.requests.map((r) => score(f.ctx, r, wrap, model)));
        const before = await both();
        const hash0 = await weightsHash(f.ctx.model);
        const result = await method.apply(f.ctx, f.requests, f.hparams);
        const after = await both(result.wrapPrompt, result.model);
        for (let i = 0; i < 2; i++) expect(after[i], `request ${i}: log p(target) changes`).not.toBe(before[i]);
        expect(after[0] + after[1], `mean log p(targets) ${((before[0] + before[1]) / 2).toFixed(4)} → ${((after[0] + after[1]) / 2).toFixed(4)}`).toBeGreaterThan(before[0] + before[1]);
        await result.restore();
        expect(await weightsHash(f.ctx.model)).toBe(hash0);
        release(f.ctx);
      });
    }

    if (method.supports.sequential) {
      it('sequential: two applies one after another change both predictions, and restores peel off in reverse', async () => {
        const f = await fixture(method, o);
        const [a, b] = f.requests;
        const both = (wrap?: (q: string) => string, model?: EditResult['model']) => Promise.all([a, b].map((r) => score(f.ctx, r, wrap, model)));
        const before = await both();
        const hash0 = await weightsHash(f.ctx.model);
        const results: EditResult[] = [];
        try {
          results.push(await method.apply(f.ctx, [a], f.hparams));
          const hash1 = await weightsHash(f.ctx.model);
          results.push(await method.apply(f.ctx, [b], f.hparams));
          // each edit changes its target's prediction (whether a later edit keeps an earlier one is the
          // method's quality, which its own tests and the evaluation measure)
          // a wrapper method's last result answers for the whole group (as the evaluator uses it)
          const after = await both(composeWrapPrompts(results), results.at(-1)!.model);
          for (let i = 0; i < 2; i++) expect(after[i], `request ${i}: log p(target) changes`).not.toBe(before[i]);
          if (results.at(-1)!.model) expect(await weightsHash(f.ctx.model), 'wrapper edits leave the base weights alone').toBe(hash0);
          else if ((method.edits ?? 'weights') === 'weights') {
            expect(await weightsHash(f.ctx.model), 'the second edit changed the weights').not.toBe(hash1);
            await results.pop()!.restore();
            expect(await weightsHash(f.ctx.model), 'restoring the second edit gives back the first edit').toBe(hash1);
          }
        } finally {
          await restoreAll(results);
        }
        expect(await weightsHash(f.ctx.model)).toBe(hash0);
        release(f.ctx);
      });
    }
  });
}
