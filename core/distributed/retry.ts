// Small waiting helpers for talking to a broker that may be restarting.

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Exponential backoff: base, 2 x base, ... capped. `attempt` counts from 1. */
export const backoffMs = (attempt: number, baseMs: number, capMs: number) => Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));

/** Runs `f` until it succeeds or `tries` are used up (then rethrows the last error). */
export async function retrying<T>(f: () => Promise<T>, tries: number, baseMs = 250, capMs = 5_000): Promise<T> {
  for (let attempt = 1;; attempt++) {
    try {
      return await f();
    } catch (e) {
      if (attempt >= tries) throw e;
      await sleep(backoffMs(attempt, baseMs, capMs));
    }
  }
}
