// Live counters of a run, and the rates and ETA derived from them.
import type { Progress } from "./types.ts";

export class ProgressCounter {
  done = 0;
  failed = 0;
  retries = 0;
  audioSeconds = 0;
  constructor(readonly total: number, readonly skipped: number, private startMs: number, private now: () => number) {}

  snapshot(): Progress {
    const elapsedMs = Math.max(1, this.now() - this.startMs);
    const finished = this.done + this.failed;
    const itemsPerSecond = (finished * 1000) / elapsedMs;
    const left = this.total - finished;
    return {
      total: this.total,
      done: this.done,
      failed: this.failed,
      skipped: this.skipped,
      retries: this.retries,
      audioSeconds: this.audioSeconds,
      elapsedMs,
      itemsPerSecond,
      audioSecondsPerSecond: (this.audioSeconds * 1000) / elapsedMs,
      etaSeconds: finished > 0 ? left / itemsPerSecond : undefined,
    };
  }
}
