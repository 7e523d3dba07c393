/**
 * A synchronous front to HF `tokenizers`, whose Node binding only encodes and decodes asynchronously.
 * The native tokenizer lives in a worker thread; a call posts a request, blocks on `Atomics.wait` until
 * the worker has answered, and takes the answer with `receiveMessageOnPort`.
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

const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { Tokenizer } = require(workerData.tokenizersPath);
const { port, signal, json } = workerData;
const flag = new Int32Array(signal);
const reply = (msg) => { port.postMessage(msg); Atomics.store(flag, 0, 1); Atomics.notify(flag, 0); };
let tok;
try { tok = Tokenizer.fromString(json); } catch (e) { tok = null; reply({ error: String((e && e.message) || e) }); }
if (tok) {
  reply({ ready: true });
  port.on('message', async (req) => {
    try {
      if (req.op === 'encode') {
        const encs = await tok.encodeBatch(req.texts, { addSpecialTokens: req.addSpecialTokens });
        reply({ value: encs.map((e) => ({ ids: e.getIds(), offsets: e.getOffsets() })) });
      } else if (req.op === 'decode') {
        reply({ value: await tok.decode(req.ids, req.skipSpecialTokens) });
      } else reply({ error: 'unknown request ' + req.op });
    } catch (e) { reply({ error: String((e && e.message) || e) }); }
  });
}
`;

/** Milliseconds a call may block before it is reported as hung. */
const TIMEOUT_MS = 120_000;

/** One native HF tokenizer behind a worker thread, called synchronously. */
export class SyncHfBridge {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly flag: Int32Array;
  private closed = false;

  /**
   * Starts the worker and blocks until the tokenizer is parsed.
   *
   * @param json the `tokenizer.json` text
   * @param source where it came from, for error messages
   * @throws Error with HF's parse error, naming `source`
   */
  constructor(
    json: string,
    private readonly source: string,
  ) {
    const signal = new SharedArrayBuffer(4);
    this.flag = new Int32Array(signal);
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const tokenizersPath = createRequire(import.meta.url).resolve('tokenizers');
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { tokenizersPath, port: port2, signal, json },
      transferList: [port2],
    });
    this.worker.unref();
    this.port.unref();
    const first = this.wait() as { ready?: boolean; error?: string };
    if (!first.ready) {
      this.close();
      throw new Error(`${source}: HF tokenizers cannot load this tokenizer.json: ${first.error}`);
    }
  }

  private wait(): unknown {
    const r = Atomics.wait(this.flag, 0, 0, TIMEOUT_MS);
    if (r === 'timed-out') throw new Error(`${this.source}: the HF tokenizers worker did not answer within ${TIMEOUT_MS} ms`);
    Atomics.store(this.flag, 0, 0);
    const msg = receiveMessageOnPort(this.port);
    if (!msg) throw new Error(`${this.source}: the HF tokenizers worker signalled without a message`);
    return msg.message;
  }

  private call(req: Request): unknown {
    if (this.closed) throw new Error(`${this.source}: the HF tokenizer was disposed`);
    this.port.postMessage(req);
    const res = this.wait() as { value?: unknown; error?: string };
    if (res.error !== undefined) throw new Error(`${this.source}: HF tokenizers: ${res.error}`);
    return res.value;
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
    this.port.close();
    void this.worker.terminate();
  }
}
