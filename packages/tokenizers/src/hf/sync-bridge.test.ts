/**
 * The synchronous bridge to HF `tokenizers` under stress: thousands of calls over several bridges while another
 * thread fires stray notifies at every bridge's shared word (each an `Atomics.wait` wake-up with no answer
 * behind it), a published answer number with no message, a late answer of a timed-out call, and a worker lost
 * mid-run. Every call must return its own answer; the old flag protocol ended the run with "signalled without a
 * message" or returned the previous call's answer.
 */
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { SyncHfBridge } from './sync-bridge.js';

const WORDS = ['hello', 'world', 'cross', 'edit', 'knowledge', 'model', 'tokens', 'bridge'];
const TOKENIZER = JSON.stringify({
  version: '1.0',
  truncation: null,
  padding: null,
  added_tokens: [],
  normalizer: null,
  pre_tokenizer: { type: 'Whitespace' },
  post_processor: null,
  decoder: null,
  model: { type: 'WordLevel', vocab: Object.fromEntries(['[UNK]', ...WORDS].map((w, i) => [w, i])), unk_token: '[UNK]' },
});

/** The text of call `i` and the ids it must get. */
function text(i: number): { text: string; ids: number[] } {
  const n = 1 + (i % 5);
  const picks = Array.from({ length: n }, (_, j) => (i * 7 + j * 3) % WORDS.length);
  return { text: picks.map((p) => WORDS[p]).join(' '), ids: picks.map((p) => p + 1) };
}

interface Internals {
  w: { worker: Worker; done: Int32Array };
}
const internals = (b: SyncHfBridge) => (b as unknown as Internals).w;

const open: SyncHfBridge[] = [];
function bridge(opts?: { timeoutMs?: number }): SyncHfBridge {
  const b = new SyncHfBridge(TOKENIZER, 'test-tokenizer.json', opts);
  open.push(b);
  return b;
}
afterAll(() => open.forEach((b) => b.close()));

/** A thread that calls `Atomics.notify` on the given words until told to stop. */
function notifier(words: Int32Array[]): { stop: () => Promise<number> } {
  const stop = new Int32Array(new SharedArrayBuffer(8));
  const w = new Worker(
    `const { workerData: { words, stop } } = require('node:worker_threads');
     const views = words.map((b) => new Int32Array(b));
     const s = new Int32Array(stop);
     let n = 0;
     while (Atomics.load(s, 0) === 0) { for (const v of views) { Atomics.notify(v, 0); n++; } }
     Atomics.store(s, 1, Math.min(n, 2 ** 31 - 1));`,
    { eval: true, workerData: { words: words.map((v) => v.buffer), stop: stop.buffer } },
  );
  return {
    stop: async () => {
      Atomics.store(stop, 0, 1);
      await new Promise((r) => w.once('exit', r));
      return stop[1];
    },
  };
}

describe('SyncHfBridge', () => {
  it('hammers three bridges with 9000 calls under stray notifies; every call gets its own answer', async () => {
    const bridges = [bridge(), bridge(), bridge()];
    const noise = notifier(bridges.map((b) => internals(b).done));
    const t0 = performance.now();
    let wrong = 0;
    for (let i = 0; i < 9000; i++) {
      const b = bridges[i % 3];
      const { text: t, ids } = text(i);
      if (i % 4 === 3) {
        if (b.decode(ids, true) !== t) wrong++;
      } else {
        const [enc] = b.encode([t], false);
        if (enc.ids.join() !== ids.join()) wrong++;
      }
      if (i % 500 === 0) await new Promise((r) => setImmediate(r)); // let the event loop run between calls, as an eval does
    }
    const notifies = await noise.stop();
    expect(wrong).toBe(0);
    expect(notifies).toBeGreaterThan(1000);
    expect(performance.now() - t0).toBeLessThan(60_000);
    expect(bridges.map((b) => b.restarts)).toEqual([0, 0, 0]);
  });

  it('an answer number published with no message behind it yet does not end the call', () => {
    const b = bridge();
    expect(b.encode(['hello'], false)[0].ids).toEqual([1]);
    Atomics.store(internals(b).done, 0, 1_000_000); // a wake-up that claims far more than was answered
    for (let i = 0; i < 50; i++) expect(b.encode([text(i).text], false)[0].ids).toEqual(text(i).ids);
  });

  it('the late answer of a timed-out call is not returned to the next call', () => {
    const b = bridge({ timeoutMs: 1 });
    const long = Array.from({ length: 200_000 }, (_, i) => WORDS[i % WORDS.length]).join(' ');
    expect(() => b.encode([long, long, long], false)).toThrow(/test-tokenizer\.json: the HF tokenizers worker did not answer encode \(call #\d+\) within 1 ms/);
    // a generous timeout again: the next answers must be the calls' own, not the long text's
    b.timeoutMs = 60_000;
    expect(b.encode(['edit model'], false)[0].ids).toEqual([4, 6]);
    expect(b.decode([2, 3], true)).toBe('world cross');
  });

  it('restarts a lost worker and answers the call', async () => {
    const b = bridge();
    expect(b.encode(['bridge'], false)[0].ids).toEqual([8]);
    const w = internals(b);
    await w.worker.terminate();
    Atomics.store(w.done, 0, 1_000_000); // as if it had answered, but no message will come
    expect(b.encode(['tokens world'], false)[0].ids).toEqual([7, 2]);
    expect(b.restarts).toBe(1);
  });

  it('names the source when the tokenizer.json cannot be loaded', () => {
    expect(() => new SyncHfBridge('{"model": 3}', 'broken/tokenizer.json')).toThrow(/broken\/tokenizer\.json: HF tokenizers cannot load this tokenizer\.json/);
  });
});
