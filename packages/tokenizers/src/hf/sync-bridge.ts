/**
 * A synchronous front to HF `tokenizers`, whose Node binding only encodes and decodes asynchronously.
 * The native tokenizer lives in a worker thread; a call posts a numbered request, blocks on `Atomics.wait`
 * until the worker has published that number, and takes the answer carrying it with `receiveMessageOnPort`.
 *
 * The protocol does not trust a wake-up as proof of an answer: `Atomics.wait` also returns for a notify that
 * was meant for an earlier call or for nothing (a stray notify on the same word, a late answer of a call that
 * timed out), and the old flag protocol (worker stores 1, caller resets it to 0 after waking) then read an
 * empty port ("signalled without a message") or the previous call's answer. Here the worker publishes the
 * sequence number of the request it answered, the caller waits until that number reaches its own, skips
 * answers of earlier (timed-out) calls by number, and, if the number is published but its message is not on
 * the port, polls briefly and then restarts the worker and sends the request again (encode/decode are pure).
 */
import { createRequire } from 'node:module';
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';

/** An encoded text as the worker returns it: ids and code-point offsets. */
export interface RawEncoding {
  ids: number[];
  offsets: number[][];
}

type Request =
  | { op: 'encode'; texts: string[]; addSpecialTokens: boolean }
  | { op: 'decode'; ids: number[]; skipSpecialTokens: boolean };

interface Reply {
  id: number;
  ready?: boolean;
  value?: unknown;
  error?: string;
}

const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { Tokenizer } = require(workerData.tokenizersPath);
const { port, signal, json } = workerData;
const done = new Int32Array(signal);
// post first, then publish the number: the caller reads the port only after it sees the number
const reply = (id, msg) => { msg.id = id; port.postMessage(msg); Atomics.store(done, 0, id); Atomics.notify(done, 0); };
let tok;
try { tok = Tokenizer.fromString(json); } catch (e) { tok = null; reply(0, { error: String((e && e.message) || e) }); }
if (tok) {
  reply(0, { ready: true });
  port.on('message', async (req) => {
    try {
      if (req.op === 'encode') {
        const encs = await tok.encodeBatch(req.texts, { addSpecialTokens: req.addSpecialTokens });
        reply(req.id, { value: encs.map((e) => ({ ids: e.getIds(), offsets: e.getOffsets() })) });
      } else if (req.op === 'decode') {
        reply(req.id, { value: await tok.decode(req.ids, req.skipSpecialTokens) });
      } else reply(req.id, { error: 'unknown request ' + req.op });
    } catch (e) { reply(req.id, { error: String((e && e.message) || e) }); }
  });
}
`;

/** Milliseconds a call may block before it is reported as hung (default). */
const TIMEOUT_MS = 120_000;
/** Milliseconds to keep polling the port for an answer whose number is already published. */
const LOST_REPLY_GRACE_MS = 1_000;

/** Options of {@link SyncHfBridge}. */
export interface SyncHfBridgeOptions {
  /** Milliseconds a call may block before it throws (default 120 000). */
  timeoutMs?: number;
}

interface WorkerState {
  worker: Worker;
  port: MessagePort;
  /** `[0]`: the sequence number of the request the worker answered last (0: started). */
  done: Int32Array;
}

/** One native HF tokenizer behind a worker thread, called synchronously. */
export class SyncHfBridge {
  private w: WorkerState;
  private seq = 0;
  private closed = false;
  /** Milliseconds a call may block before it throws (start-up waits at least the default); may be changed between calls. */
  timeoutMs: number;
  /** How many times a worker was restarted after an answer went missing (for diagnostics and tests). */
  restarts = 0;

  /**
   * Starts the worker and blocks until the tokenizer is parsed.
   *
   * @param json the `tokenizer.json` text
   * @param source where it came from, for error messages
   * @throws Error with HF's parse error, naming `source`
   */
  constructor(
    private readonly json: string,
    private readonly source: string,
    opts: SyncHfBridgeOptions = {},
  ) {
    this.timeoutMs = opts.timeoutMs ?? TIMEOUT_MS;
    this.w = this.start();
  }

  /** Starts a worker and waits for its `ready` (answer number 0). */
  private start(): WorkerState {
    const signal = new SharedArrayBuffer(4);
    const done = new Int32Array(signal);
    Atomics.store(done, 0, -1);
    const { port1, port2 } = new MessageChannel();
    const tokenizersPath = createRequire(import.meta.url).resolve('tokenizers');
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { tokenizersPath, port: port2, signal, json: this.json },
      transferList: [port2],
    });
    worker.unref();
    port1.unref();
    const w = { worker, port: port1, done };
    let first: Reply | undefined;
    try {
      first = this.await(w, 0, 'start', Math.max(this.timeoutMs, TIMEOUT_MS));
    } finally {
      if (!first?.ready) this.stop(w);
    }
    if (!first?.ready) throw new Error(`${this.source}: HF tokenizers cannot load this tokenizer.json: ${first?.error}`);
    return w;
  }

  private stop(w: WorkerState): void {
    w.port.close();
    void w.worker.terminate();
  }

  /**
   * Blocks until the worker has published answer number `id`, then returns the message carrying it, skipping
   * answers of earlier calls. `undefined` when the number was published but its message never reached the port.
   */
  private await(w: WorkerState, id: number, what: string, timeoutMs = this.timeoutMs): Reply | undefined {
    const deadline = Date.now() + timeoutMs;
    for (let seen = Atomics.load(w.done, 0); seen < id; seen = Atomics.load(w.done, 0)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.source}: the HF tokenizers worker did not answer ${what} (call #${id}) within ${timeoutMs} ms`);
      Atomics.wait(w.done, 0, seen, left); // any wake-up is re-checked against the published number
    }
    const graceEnd = Date.now() + LOST_REPLY_GRACE_MS;
    for (;;) {
      const got = receiveMessageOnPort(w.port);
      if (got) {
        const reply = got.message as Reply;
        if (reply.id === id) return reply;
        if (reply.id > id) throw new Error(`${this.source}: the HF tokenizers worker answered call #${reply.id} while #${id} was pending`);
        continue; // the late answer of a call that timed out
      }
      if (Date.now() >= graceEnd) return undefined;
      Atomics.wait(w.done, 0, Atomics.load(w.done, 0), 1);
    }
  }

  private call(req: Request): unknown {
    if (this.closed) throw new Error(`${this.source}: the HF tokenizer was disposed`);
    for (let attempt = 0; ; attempt++) {
      const id = ++this.seq;
      this.w.port.postMessage({ ...req, id });
      const res = this.await(this.w, id, req.op);
      if (res) {
        if (res.error !== undefined) throw new Error(`${this.source}: HF tokenizers: ${res.error}`);
        return res.value;
      }
      if (attempt > 0) throw new Error(`${this.source}: the HF tokenizers worker published answer #${id} (${req.op}) but its message never arrived, twice`);
      // the answer was lost with the worker's port: start a fresh worker and ask again
      this.stop(this.w);
      this.restarts++;
      this.seq = 0;
      this.w = this.start();
    }
  }

  /** Encodes texts (one native batch call). */
  encode(texts: string[], addSpecialTokens: boolean): RawEncoding[] {
    return this.call({ op: 'encode', texts, addSpecialTokens }) as RawEncoding[];
  }

  /** Decodes ids. */
  decode(ids: number[], skipSpecialTokens: boolean): string {
    return this.call({ op: 'decode', ids, skipSpecialTokens }) as string;
  }

  /** Stops the worker. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stop(this.w);
  }
}
