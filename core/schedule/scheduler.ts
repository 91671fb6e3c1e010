// The work scheduler: a dynamic pull queue of small batches over N workers, with per-item retries,
// replacement of crashed or hung workers, and exactly one final outcome per row.
import { ConfigError, describeError } from "../errors.ts";
import type { SourceRow } from "../source/text_source.ts";
import type { TextItem } from "../types.ts";
import type { FinalOutcome, ScheduleOptions } from "./schedule_types.ts";
import type { WorkerHandle } from "./worker_handle.ts";

interface Task {
  item: TextItem;
  /** Tries made so far. */
  attempts: number;
  lastError?: string;
  /** Run alone: set after a crash or hang, so a poison item cannot take its batch mates down again. */
  solo: boolean;
}

/** Consecutive failures to start a worker before the whole run stops (models that cannot load, etc.). */
const MAX_START_FAILURES = 3;
const BACKOFF_BASE_MS = 200;
const BACKOFF_CAP_MS = 5_000;
/** How long a free worker waits for a slow source (a work queue, the network) to fill its batch before it starts
 * on the rows already there: a streaming source may have nothing more for a long while. */
const SOURCE_WAIT_MS = 200;
/** Finished rows the consumer has not taken yet, per worker batch, before workers wait: when the sink is slower
 * than the workers (instant engines, a slow disk), results must not pile up for the whole run. */
const UNCONSUMED_BATCHES_PER_WORKER = 4;

export async function* schedule(rows: AsyncIterable<SourceRow>, options: ScheduleOptions): AsyncIterable<FinalOutcome> {
  const { logger } = options;
  const source = rows[Symbol.asyncIterator]();
  const ready: Task[] = [];
  const outcomes: FinalOutcome[] = [];
  let sourceDone = false;
  let pulling: Promise<void> | undefined;
  let pending = 0; // tasks taken from the source whose final outcome is not out yet
  let delayed = 0; // retries waiting out their backoff
  let fatal: Error | undefined;
  let wake: (() => void) | undefined;
  let wakePromise = new Promise<void>((r) => (wake = r));
  const notify = () => {
    const w = wake;
    wakePromise = new Promise<void>((r) => (wake = r));
    w?.();
  };
  const aborted = () => options.signal?.aborted === true || fatal !== undefined;
  const maxUnconsumed = Math.max(16, UNCONSUMED_BATCHES_PER_WORKER * options.batchSize * options.workerDevices.length);
  options.signal?.addEventListener("abort", notify, { once: true });

  const finish = (outcome: FinalOutcome) => {
    pending--;
    outcomes.push(outcome);
    notify();
  };

  /** Reads up to `n` rows from the source into `ready` (one reader at a time). */
  const pull = (n: number): Promise<void> => {
    pulling ??= (async () => {
      try {
        for (let i = 0; i < n && !sourceDone; i++) {
          const next = await source.next();
          if (next.done) {
            sourceDone = true;
            break;
          }
          const row = next.value;
          pending++;
          if (row.problem) {
            finish({ kind: "failed", item: { index: row.index, error: row.problem, attempts: 0 } });
            i--;
            continue;
          }
          ready.push({ item: { index: row.index, text: row.text }, attempts: 0, solo: false });
          notify(); // a worker waiting on an empty queue may start now
        }
      } catch (e) {
        fatal = e instanceof Error ? e : new Error(String(e));
      } finally {
        pulling = undefined;
        notify();
      }
    })();
    return pulling;
  };

  /** The next batch for a free worker, or undefined when all work is handed out and settled. */
  const takeBatch = async (): Promise<Task[] | undefined> => {
    while (!aborted()) {
      if (outcomes.length >= maxUnconsumed) {
        await wakePromise; // the consumer takes outcomes and wakes us
        continue;
      }
      if (ready.length < options.batchSize && !sourceDone) {
        const filling = pull(options.batchSize * 2);
        // A fast source fills the batch at once; a slow one must not hold back the rows already read.
        if (ready.length === 0) await Promise.race([filling, wakePromise]);
        else await withinMs(filling, SOURCE_WAIT_MS);
      }
      if (ready.length > 0) {
        if (ready[0].solo) return [ready.shift()!];
        const batch: Task[] = [];
        while (batch.length < options.batchSize && ready.length > 0 && !ready[0].solo) batch.push(ready.shift()!);
        return batch;
      }
      if (sourceDone && pending === 0) return undefined;
      await wakePromise; // in-flight items may come back for a retry
    }
    return undefined;
  };

  /** Records one failed try; retries the task or gives it up. */
  const retryOrFail = (task: Task, error: string, retriable: boolean, solo: boolean) => {
    task.attempts++;
    task.lastError = error;
    if (!retriable || task.attempts >= options.maxAttempts) {
      logger.warn(`item ${task.item.index} failed after ${task.attempts} attempt(s): ${error}`);
      finish({ kind: "failed", item: { index: task.item.index, error, attempts: task.attempts } });
      return;
    }
    logger.warn(`item ${task.item.index} attempt ${task.attempts} of ${options.maxAttempts} failed, retrying: ${error}`);
    options.onRetry?.(task.item.index, task.attempts, error);
    task.solo = task.solo || solo;
    delayed++;
    const delay = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (task.attempts - 1));
    setTimeout(() => {
      delayed--;
      ready.unshift(task);
      notify();
    }, delay);
  };

  const startWorker = async (id: number, device: string): Promise<WorkerHandle | undefined> => {
    for (let failures = 1; !aborted(); failures++) {
      try {
        return await options.factory(id, device);
      } catch (e) {
        const msg = describeError(e);
        // A refused device (no GPU, a software renderer) is refused again on every try: stop at once, as given.
        if (e instanceof ConfigError) {
          fatal ??= e;
          notify();
          return undefined;
        }
        if (failures >= MAX_START_FAILURES) {
          fatal ??= new Error(`worker ${id} (${device}) could not start after ${failures} tries: ${msg}`);
          notify();
          return undefined;
        }
        logger.warn(`worker ${id} (${device}) failed to start (try ${failures}): ${msg}`);
      }
    }
    return undefined;
  };

  const runWorker = async (id: number, device: string) => {
    let handle = await startWorker(id, device);
    let death = handle && new DeathWatch(handle);
    while (handle && death) {
      const batch = await takeBatch();
      if (!batch) break;
      const result = await runBatch(handle, death, batch, options.itemTimeoutMs, options);
      if (result.ok) {
        result.outcomes.forEach((o, i) => {
          const task = batch[i];
          if (o.ok) {
            finish({ kind: "done", item: { index: o.index, tokens: o.tokens, seconds: o.seconds, pieces: o.pieces }, attempt: task.attempts + 1 });
          } else retryOrFail(task, o.error, o.retriable, false);
        });
        continue;
      }
      logger.warn(`worker ${id} (${device}) ${result.reason}; replacing it and re-queueing ${batch.length} item(s)`);
      handle.terminate();
      for (const task of batch) retryOrFail(task, result.reason, true, true);
      handle = await startWorker(id, device);
      death = handle && new DeathWatch(handle);
    }
    handle?.terminate();
  };

  const workers = options.workerDevices.map((device, id) => runWorker(id, device));
  const all = Promise.all(workers).then(() => notify());
  /** Hands out one outcome; wakes the workers held back by a full queue once there is room again. */
  const next = (): FinalOutcome => {
    if (outcomes.length === maxUnconsumed) notify();
    return outcomes.shift()!;
  };
  try {
    while (true) {
      while (outcomes.length > 0) yield next();
      if (fatal) throw fatal;
      const settled = sourceDone && pending === 0 && delayed === 0;
      if (settled || options.signal?.aborted) {
        if (options.signal?.aborted) await all; // let in-flight batches land
        while (outcomes.length > 0) yield next();
        if (fatal) throw fatal;
        return;
      }
      await wakePromise;
    }
  } finally {
    fatal ??= new Error("schedule closed");
    notify();
    await source.return?.();
  }
}

/** Waits for `p`, or `ms` at most. */
async function withinMs(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([p, new Promise<void>((r) => (timer = setTimeout(r, ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

type BatchResult =
  | { ok: true; outcomes: Awaited<ReturnType<WorkerHandle["api"]["process"]>> }
  | { ok: false; reason: string };

/**
 * A worker's death as one promise per batch. Racing every batch against the long-lived `handle.died` would
 * leave a reaction on it per batch that holds that batch's results (token arrays) until the worker dies:
 * memory that grew with every row processed.
 */
class DeathWatch {
  #error?: Error;
  #listener?: (e: Error) => void;
  constructor(handle: WorkerHandle) {
    handle.died.then((e) => {
      this.#error = e;
      this.#listener?.(e);
    });
  }
  /** Resolves if the worker dies before `release()`. */
  next(): Promise<Error> {
    return new Promise((resolve) => (this.#error ? resolve(this.#error) : (this.#listener = resolve)));
  }
  release() {
    this.#listener = undefined;
  }
}

/** Runs one batch on one worker, racing it against the worker's death and the batch's time limit. */
async function runBatch(handle: WorkerHandle, death: DeathWatch, batch: Task[], itemTimeoutMs: number, options: ScheduleOptions): Promise<BatchResult> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limitMs = itemTimeoutMs * batch.length;
  const timeout = new Promise<BatchResult>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, reason: `hung (no result in ${Math.round(limitMs / 1000)} s)` }), limitMs);
  });
  const died = death.next().then((e): BatchResult => ({ ok: false, reason: `crashed: ${describeError(e)}` }));
  const work = handle.api.process(batch.map((t) => ({ ...t.item, attempt: t.attempts + 1 })), options.tts).then(
    (outcomes): BatchResult => {
      if (outcomes.length !== batch.length) return { ok: false, reason: `returned ${outcomes.length} results for ${batch.length} items` };
      return { ok: true, outcomes };
    },
    (e): BatchResult => ({ ok: false, reason: `failed: ${describeError(e)}` }),
  );
  try {
    return await Promise.race([work, died, timeout]);
  } finally {
    clearTimeout(timer);
    death.release();
  }
}
