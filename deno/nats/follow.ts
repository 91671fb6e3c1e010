// The coordinator's follow loop: once a second it turns dead letters into dead results, reads every range's fate
// from the state stream, writes a dead range's indices as failed, and reports progress. When every range has a
// fate it checks the output itself (the truth); a range the output lacks is enqueued again. When the queue sits
// idle with ranges unaccounted for, it finds out why (given up by the server, written but not recorded, lost).
import type { Consumer, JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import type { OutputFormat } from "../../core/config/types.ts";
import { describeError } from "../../core/errors.ts";
import type { Logger } from "../../core/log.ts";
import type { JobProgress, RangeWork } from "../../core/distributed/messages.ts";
import type { JobNames } from "../../core/distributed/names.ts";
import { commitDeadRange, readOnlyView, writtenRange } from "../../core/distributed/range_output.ts";
import { sleep } from "../../core/distributed/retry.ts";
import type { RangeTracker } from "../../core/distributed/tracker.ts";
import { scanOutput } from "../../core/sink/resume.ts";
import type { Storage } from "../../core/sink/storage.ts";
import { drainDeadLetters } from "./dead_letters.ts";
import { publishResult, readResult, resultFates, subjectsOf } from "./records.ts";

/** Consecutive idle ticks (nothing queued or in flight, ranges open) before looking for the reason. */
const IDLE_TICKS = 3;
/** Times a range the output lacks is enqueued again before it is given up. */
const MAX_REDO = 3;

export interface FollowContext {
  js: JetStreamClient;
  jsm: JetStreamManager;
  dead: Consumer;
  names: JobNames;
  tracker: RangeTracker;
  storage: Storage;
  format: OutputFormat;
  maxDeliver: number;
  logger: Logger;
  signal: AbortSignal;
  /** Enqueues these ranges again (texts re-read from the dataset) under fresh message ids. */
  republish(keys: string[], round: number): Promise<void>;
  onProgress(p: JobProgress): Promise<void>;
  tickMs?: number;
}

export async function follow(c: FollowContext): Promise<"complete" | "stopped"> {
  const { tracker, logger } = c;
  const redo = new Map<string, number>();
  let idle = 0, outage = 0;
  while (!c.signal.aborted) {
    try {
      await drainDeadLetters(c.dead, c.jsm, c.js, c.names, logger);
      for (const [key, fate] of await resultFates(c.jsm, c.names)) {
        if (!tracker.planned.has(key) || tracker.fate.has(key) && (fate === "dead" || tracker.fate.get(key) === "done")) continue;
        if (fate === "done") tracker.record(key, "done");
        else await settleDead(c, key);
      }
      const info = await c.jsm.consumers.info(c.names.workStream, c.names.consumer);
      await c.onProgress({ ...pick(tracker.counts()), pending: info.num_pending, inFlight: info.num_ack_pending });
      if (outage > 0) logger.info("NATS reachable again");
      outage = 0;
      if (tracker.complete) {
        const missing = await missingFromOutput(c);
        if (missing.length === 0) return "complete";
        logger.warn(`${missing.length} range(s) recorded as finished are not in the output (${missing.slice(0, 3).join(", ")}...): enqueueing them again`);
        await redoRanges(c, missing, redo);
      } else if (info.num_pending === 0 && info.num_ack_pending === 0) {
        if (++idle >= IDLE_TICKS) {
          idle = 0;
          await reconcile(c, redo);
        }
      } else idle = 0;
    } catch (e) {
      if (outage++ === 0) logger.warn(`NATS unreachable, retrying: ${describeError(e)}`);
    }
    await sleep(c.tickMs ?? 1_000);
  }
  return "stopped";
}

const pick = (k: ReturnType<RangeTracker["counts"]>) => ({ ranges: k.ranges, done: k.done, dead: k.dead, rows: k.rows });
const stub = (key: string, indices: number[]): RangeWork => ({ key, rows: indices.map((index) => ({ index, text: "" })) });

/** A dead range: its rows become failed indices (unless a worker wrote it after all), and it leaves the queue. */
async function settleDead(c: FollowContext, key: string) {
  const indices = c.tracker.planned.get(key)!;
  if (await writtenRange(c.storage, c.format, stub(key, indices))) {
    c.tracker.record(key, "done");
    return;
  }
  const r = await readResult(c.jsm, c.names, "dead", key);
  const error = `range died: ${r?.error ?? "given up"}`;
  await commitDeadRange(c.storage, c.format, key, indices, error, r?.deliveries ?? c.maxDeliver);
  await c.jsm.streams.purge(c.names.workStream, { filter: c.names.rangeSubject(key) });
  c.tracker.record(key, "dead");
  c.logger.error(`range ${key} is dead (${error}); its ${indices.length} indices are in failed_indices_${key}.json`);
}

/** Nothing queued or in flight, yet ranges are open: settle each one by what the stream and the output say. */
async function reconcile(c: FollowContext, redo: Map<string, number>) {
  const queued = new Set((await subjectsOf(c.jsm, c.names.workStream, c.names.rangeSubjects)).map((s) => s.slice(s.lastIndexOf(".") + 1)));
  const lost: string[] = [];
  for (const key of c.tracker.open()) {
    const at = new Date().toISOString();
    if (queued.has(key)) {
      // Still stored but neither pending nor in flight: the server gave up on it after max_deliver.
      const error = `delivered ${c.maxDeliver} times without an ack`;
      await publishResult(c.js, c.names, { key, state: "dead", rows: 0, failed: 0, deliveries: c.maxDeliver, error, at });
    } else if (await writtenRange(c.storage, c.format, stub(key, c.tracker.planned.get(key)!))) {
      await publishResult(c.js, c.names, { key, state: "done", rows: 0, failed: 0, worker: "coordinator (found in the output)", at });
    } else lost.push(key);
  }
  if (lost.length > 0) {
    c.logger.warn(`${lost.length} range(s) left the queue without a result (${lost.slice(0, 3).join(", ")}...): enqueueing them again`);
    await redoRanges(c, lost, redo);
  }
}

async function redoRanges(c: FollowContext, keys: string[], redo: Map<string, number>) {
  const again: string[] = [];
  for (const key of keys) {
    const round = (redo.get(key) ?? 0) + 1;
    redo.set(key, round);
    c.tracker.reopen(key);
    if (round > MAX_REDO) {
      const error = `lost ${MAX_REDO} times (acknowledged without its shard in the output)`;
      await publishResult(c.js, c.names, { key, state: "dead", rows: 0, failed: 0, error, at: new Date().toISOString() });
    } else again.push(key);
  }
  const rounds = new Map<number, string[]>();
  for (const key of again) rounds.set(redo.get(key)!, [...(rounds.get(redo.get(key)!) ?? []), key]);
  for (const [round, ks] of rounds) await c.republish(ks, round);
}

/** Planned ranges whose rows the output does not all hold (read-only scan: nothing is moved or removed). */
async function missingFromOutput(c: FollowContext): Promise<string[]> {
  const state = await scanOutput(readOnlyView(c.storage), c.logger);
  return [...c.tracker.planned].filter(([, idx]) => !idx.every((i) => state.done.has(i) || state.failed.has(i))).map(([k]) => k);
}
