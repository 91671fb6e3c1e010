// Progress on stderr: a live one-line bar in a terminal, periodic plain lines otherwise (CI, log files).
import type { Progress } from "../core/types.ts";

export function formatProgress(p: Progress): string {
  const eta = p.etaSeconds === undefined ? "?" : formatDuration(p.etaSeconds);
  return `${p.done + p.failed}/${p.total} (done ${p.done}, failed ${p.failed}, retries ${p.retries}) ` +
    `${p.itemsPerSecond.toFixed(2)} rows/s, ${p.audioSecondsPerSecond.toFixed(2)} s audio/s, ETA ${eta}`;
}

export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  return h ? `${h}h${String(m).padStart(2, "0")}m` : m ? `${m}m${String(r).padStart(2, "0")}s` : `${r}s`;
}

export class ProgressView {
  #tty = Deno.stderr.isTerminal();
  #last = 0;
  #drawn = false;
  #enc = new TextEncoder();
  constructor(private intervalMs = 60_000) {}

  update(p: Progress) {
    const now = Date.now();
    if (this.#tty) {
      if (now - this.#last < 200 && p.done + p.failed < p.total) return;
      const width = 24;
      const frac = p.total ? (p.done + p.failed) / p.total : 1;
      const bar = "#".repeat(Math.round(frac * width)).padEnd(width, "-");
      Deno.stderr.writeSync(this.#enc.encode(`\r\x1b[2K[${bar}] ${formatProgress(p)}`));
      this.#drawn = true;
    } else if (now - this.#last >= this.intervalMs) {
      console.error(`progress: ${formatProgress(p)}`);
    } else return;
    this.#last = now;
  }

  /** Clears the bar so a log line prints cleanly. */
  clear() {
    if (this.#drawn) Deno.stderr.writeSync(this.#enc.encode("\r\x1b[2K"));
    this.#drawn = false;
  }
}
