/** A one-line progress bar with rate and ETA on stderr (plain lines when stderr is not a terminal). */

let backendName: string | null = null;

/** Names the backend every progress line reports (set when a command creates its backend). */
export function setProgressBackend(name: string | null): void {
  backendName = name;
}

/** A progress reporter; each line names the backend that runs (see {@link setProgressBackend}). */
export class ProgressBar {
  #start = Date.now();
  #last = 0;
  #done = 0;

  constructor(
    readonly label: string,
    public total: number,
    private readonly out: NodeJS.WriteStream = process.stderr,
    /** `'bytes'`: counts are bytes, shown as `1.2/13.9 GB` with a MB/s rate (a weight load). */
    private readonly units: 'count' | 'bytes' = 'count',
  ) {}

  /** Sets the number of finished units and redraws (at most ~10 times a second). */
  update(done: number, note = ''): void {
    this.#done = done;
    const now = Date.now();
    if (now - this.#last < (this.out.isTTY ? 100 : 5000) && done < this.total) return;
    this.#last = now;
    const el = (now - this.#start) / 1000;
    const rate = done / Math.max(el, 1e-9);
    const eta = rate > 0 ? (this.total - done) / rate : Infinity;
    const frac = this.total ? done / this.total : 1;
    const width = 24;
    const bar = '#'.repeat(Math.round(frac * width)).padEnd(width, '.');
    const count = this.units === 'bytes' ? `${fmtGB(done)}/${fmtGB(this.total)} GB, ${(rate / 1e6).toFixed(0)} MB/s,` : `${done}/${this.total}`;
    const line = `${this.label}${backendName ? ` (${backendName})` : ''} [${bar}] ${count} ${fmtTime(el)} elapsed, ETA ${fmtTime(eta)}${note ? ` ${note}` : ''}`;
    if (this.out.isTTY) this.out.write(`\r${line.slice(0, (this.out.columns ?? 120) - 1)}\x1b[K`);
    else this.out.write(`${line}\n`);
  }

  /** Ends the bar with a newline. */
  finish(note = ''): void {
    this.#last = 0;
    this.update(this.#done, note);
    if (this.out.isTTY) this.out.write('\n');
  }
}

/** Bytes as decimal gigabytes with enough digits for small loads (`0.013`, `1.25`, `13.9`). */
function fmtGB(b: number): string {
  const g = b / 1e9;
  return g >= 10 ? g.toFixed(1) : g >= 0.1 ? g.toFixed(2) : g.toFixed(3);
}

/** `1h02m`, `3m05s`, `12.3s`. */
export function fmtTime(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${s.toFixed(1)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
