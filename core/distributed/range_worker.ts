// The distributed worker loop: ranges from a work queue feed the same scheduler as a single-machine run (same
// workers, batching, retries and worker replacement); each range's shard is committed once all its rows are
// finished, then its result is published, then it is acked. A range is leased with heartbeats while it is here.
import type { OutputFormat } from "../config/types.ts";
import { describeError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { schedule as defaultSchedule } from "../schedule/scheduler.ts";
import type { Schedule, ScheduleOptions } from "../schedule/schedule_types.ts";
import type { Storage } from "../sink/storage.ts";
import type { SourceRow } from "../source/text_source.ts";
import { textHash } from "../sink/row_hash.ts";
import type { DoneRow, FailedRow } from "../sink/sidecar.ts";
import type { RangeResult } from "./messages.ts";
import { commitRange, writtenRange } from "./range_output.ts";
import { backoffMs, retrying, sleep } from "./retry.ts";
import type { Delivery, ResultBus, WorkQueue } from "./work_queue.ts";

export interface RangeWorkerOptions {
  queue: WorkQueue;
  results: ResultBus;
  storage: Storage;
  format: OutputFormat;
  /** Codebooks per frame (recorded in each shard's sidecar); default 2. */
  codebooks?: number;
  /** Scheduler settings, as a single-machine run would use (scheduleOptionsOf). */
  scheduling: ScheduleOptions;
  schedule?: Schedule;
  /** Deliveries after which a range that still fails here is given up (terminated, recorded dead). */
  maxDeliver: number;
  /** Interval of lease heartbeats (a third of the server's ack_wait). */
  heartbeatMs: number;
  /** Names this worker in results. */
  workerId: string;
  logger: Logger;
  /** True once no further range should be taken (a signal): ranges taken are still finished. */
  stopping(): boolean;
  /** Asked when the queue had nothing for a while: true ends the loop (the job is finished). */
  idle(): Promise<boolean>;
  /** How long one wait for a range lasts before `idle` is asked. */
  pollMs?: number;
  /** Called whenever counters change. */
  onStats?(stats: WorkerStats): void;
}

export interface WorkerStats {
  ranges: number;
  rows: number;
  failed: number;
  audioSeconds: number;
  inFlight: string[];
}

interface Held {
  key: string;
  deliveries: Delivery[];
  order: number[];
  waiting: Set<number>;
  hashes: Map<number, string>;
  done: Map<number, DoneRow>;
  failed: Map<number, FailedRow>;
  heartbeat: ReturnType<typeof setInterval>;
}

export async function runRangeWorker(o: RangeWorkerOptions): Promise<WorkerStats> {
  const { logger, storage, format } = o;
  const held = new Map<string, Held>();
  const byIndex = new Map<number, Held>();
  const stats: WorkerStats = { ranges: 0, rows: 0, failed: 0, audioSeconds: 0, inFlight: [] };
  const changed = () => o.onStats?.({ ...stats, inFlight: [...held.keys()] });
  const finals = new Set<Promise<void>>();
  const track = (p: Promise<void>) => {
    const settled = p.catch((e) => logger.error(`range bookkeeping failed: ${describeError(e)}`));
    finals.add(settled);
    settled.finally(() => finals.delete(settled));
  };

  const release = (key: string) => {
    const h = held.get(key);
    if (h) clearInterval(h.heartbeat);
    held.delete(key);
    changed();
  };
  const maxDeliveries = (h: Held) => Math.max(...h.deliveries.map((d) => d.deliveries));

  /** Publishes the result (the coordinator's record), then acks every delivery of the range. */
  const complete = async (key: string, deliveries: Delivery[], result: RangeResult) => {
    await retrying(() => o.results.publishResult(result), 8);
    for (const d of deliveries) {
      // A lost ack only costs a redelivery, which finds the shard written and acks at once.
      await d.ack().catch((e) => logger.warn(`range ${key}: ack not confirmed (${describeError(e)}); it may come back`));
    }
  };

  /** A range that could not be finished here: back to the queue with a delay, or dead after max_deliver. */
  const giveBack = async (key: string, h: Held, error: unknown) => {
    const n = maxDeliveries(h);
    const reason = describeError(error);
    release(key);
    if (n >= o.maxDeliver) {
      logger.error(`range ${key}: giving up after ${n} deliveries: ${reason}`);
      const result: RangeResult = { key, state: "dead", rows: 0, failed: h.order.length, worker: o.workerId, deliveries: n, error: reason, at: new Date().toISOString() };
      await retrying(() => o.results.publishResult(result), 8).catch((e) => logger.warn(`range ${key}: dead record not published (${describeError(e)})`));
      for (const d of h.deliveries) d.term(reason);
    } else {
      logger.warn(`range ${key}: delivery ${n} of ${o.maxDeliver} failed, giving it back: ${reason}`);
      for (const d of h.deliveries) d.nak(backoffMs(n, 1_000, 60_000));
    }
  };

  const finish = async (key: string, h: Held) => {
    const done = h.order.filter((i) => h.done.has(i)).map((i) => h.done.get(i)!);
    const failed = h.order.filter((i) => h.failed.has(i)).map((i) => h.failed.get(i)!);
    try {
      await commitRange(storage, format, key, done, failed, o.codebooks ?? 2);
      const result: RangeResult = { key, state: "done", rows: done.length, failed: failed.length, worker: o.workerId, deliveries: maxDeliveries(h), at: new Date().toISOString() };
      await complete(key, h.deliveries, result);
    } catch (e) {
      return await giveBack(key, h, e);
    }
    release(key);
    stats.ranges++;
    stats.rows += done.length;
    stats.failed += failed.length;
    stats.audioSeconds += done.reduce((s, d) => s + d.seconds, 0);
    changed();
    logger.debug(`range ${key}: ${done.length} rows, ${failed.length} failed`);
  };

  /** Ranges from the queue as rows; a range is yielded whole, so stopping never leaves half a range here. */
  async function* feed(): AsyncGenerator<SourceRow> {
    let outage = 0;
    while (!o.stopping()) {
      let d: Delivery | undefined;
      try {
        d = await o.queue.next(o.pollMs ?? 2_000);
        if (outage > 0) logger.info("work queue reachable again");
        outage = 0;
      } catch (e) {
        if (outage++ === 0) logger.warn(`work queue unreachable, retrying: ${describeError(e)}`);
        await sleep(backoffMs(outage, 250, 5_000));
        continue;
      }
      if (!d) {
        if (held.size === 0 && await o.idle()) return;
        continue;
      }
      const key = d.work.key;
      const same = held.get(key);
      if (same) {
        same.deliveries.push(d); // redelivered while still here: finished once, acked for both
        continue;
      }
      if (d.work.rows.some((r) => byIndex.has(r.index))) {
        d.nak(o.heartbeatMs); // overlaps a range still here (a changed plan): let that one finish first
        continue;
      }
      const written = await writtenRange(storage, format, d.work);
      if (written) {
        logger.info(`range ${key}: already written, acknowledging`);
        const result: RangeResult = { key, state: "done", ...written, worker: o.workerId, deliveries: d.deliveries, at: new Date().toISOString() };
        const again = d;
        track(complete(key, [again], result).catch((e) => {
          logger.warn(`range ${key}: result not published (${describeError(e)}); giving it back`);
          again.nak(1_000);
        }));
        continue;
      }
      const h: Held = {
        key,
        deliveries: [d],
        order: d.work.rows.map((r) => r.index),
        waiting: new Set(d.work.rows.map((r) => r.index)),
        hashes: new Map(d.work.rows.map((r) => [r.index, textHash(r.text)])),
        done: new Map(),
        failed: new Map(),
        heartbeat: setInterval(() => h.deliveries.forEach((x) => x.working()), o.heartbeatMs),
      };
      held.set(key, h);
      changed();
      logger.info(`range ${key}: ${d.work.rows.length} rows (delivery ${d.deliveries})`);
      if (h.waiting.size === 0) {
        track(finish(key, h));
        continue;
      }
      for (const r of d.work.rows) byIndex.set(r.index, h);
      for (const r of d.work.rows) yield r;
    }
  }

  const schedule = o.schedule ?? defaultSchedule;
  let fatal: unknown;
  try {
    for await (const outcome of schedule(feed(), o.scheduling)) {
      const h = byIndex.get(outcome.item.index);
      if (!h) continue;
      byIndex.delete(outcome.item.index);
      h.waiting.delete(outcome.item.index);
      const hash = h.hashes.get(outcome.item.index)!;
      if (outcome.kind === "done") h.done.set(outcome.item.index, Object.assign(outcome.item, { attempt: outcome.attempt, textHash: hash }));
      else h.failed.set(outcome.item.index, Object.assign(outcome.item, { textHash: hash }));
      if (h.waiting.size === 0) track(finish(h.key, h));
    }
  } catch (e) {
    fatal = e;
  }
  while (finals.size > 0) await Promise.all([...finals]);
  if (fatal) {
    // This host cannot work (models that do not load, ...): hand its ranges to the others at once.
    for (const [key, h] of [...held]) {
      release(key);
      for (const d of h.deliveries) d.nak(0);
    }
    throw fatal;
  }
  return { ...stats, inFlight: [] };
}
