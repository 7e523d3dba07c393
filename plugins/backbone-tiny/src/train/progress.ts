/** A one-line training progress bar on stderr (plain lines every few seconds when stderr is not a terminal). */

/** Formats seconds as `12.3s`, `3m05s`, `1h02m`. */
export function fmtSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${s.toFixed(1)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/**
 * A progress bar over steps with rate and ETA.
 *
 * @example
 * ```ts
 * const bar = new StepProgress('train', 600, 0);
 * bar.update(1, 'loss 8.61');
 * bar.done();
 * ```
 */
export class StepProgress {
  #t0 = Date.now();
  #last = 0;

  constructor(
    readonly label: string,
    readonly total: number,
    /** Steps already done when the bar starts (a resumed run). */
    readonly start: number,
    readonly out: NodeJS.WriteStream = process.stderr,
  ) {}

  /** Redraws with `done` steps finished (a terminal at most 10 times a second, a log every 10 s). */
  update(done: number, note = ''): void {
    const now = Date.now();
    const tty = this.out.isTTY;
    if (done < this.total && now - this.#last < (tty ? 100 : 10_000)) return;
    this.#last = now;
    const el = (now - this.#t0) / 1000;
    const rate = (done - this.start) / Math.max(el, 1e-9);
    const eta = rate > 0 ? (this.total - done) / rate : Infinity;
    const w = 24;
    const fill = Math.round((done / this.total) * w);
    const line = `${this.label} [${'#'.repeat(fill)}${'.'.repeat(w - fill)}] ${done}/${this.total} ${fmtSeconds(el)} ETA ${fmtSeconds(eta)} ${note}`;
    if (tty) this.out.write(`\r${line.slice(0, (this.out.columns ?? 120) - 1)}\x1b[K`);
    else this.out.write(`${line}\n`);
  }

  /** Erases the bar's line on a terminal, so a log line can be printed in its place. */
  clear(): void {
    if (this.out.isTTY) this.out.write('\r\x1b[K');
  }

  /** Ends the bar at step `at` (default: all steps done; a paused run passes where it stopped). */
  done(note = '', at = this.total): void {
    this.#last = 0;
    this.update(at, note);
    if (this.out.isTTY) this.out.write('\n');
  }
}
