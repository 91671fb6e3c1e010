// Reading and writing the job's state stream: the job record, one result per range, one status per worker.
// The state lives in subject names too (result.done.KEY / result.dead.KEY), so one stream-info request lists
// every range's fate: no consumer state to lose when the coordinator or the server restarts.
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import {
  decodeJob,
  decodeResult,
  decodeWorker,
  encodeJson,
  type JobRecord,
  type RangeResult,
  type WorkerRecord,
} from "../../core/distributed/messages.ts";
import { type JobNames, parseResultSubject } from "../../core/distributed/names.ts";
import { isNotFound } from "./topology.ts";

export async function readJob(jsm: JetStreamManager, n: JobNames): Promise<JobRecord | undefined> {
  const m = await lastOn(jsm, n.stateStream, n.jobSubject);
  return m ? decodeJob(m) : undefined;
}

export async function writeJob(js: JetStreamClient, n: JobNames, job: JobRecord): Promise<void> {
  await js.publish(n.jobSubject, encodeJson(job));
}

export async function publishResult(js: JetStreamClient, n: JobNames, r: RangeResult): Promise<void> {
  await js.publish(n.resultSubject(r.state, r.key), encodeJson(r));
}

export async function readResult(jsm: JetStreamManager, n: JobNames, state: "done" | "dead", key: string): Promise<RangeResult | undefined> {
  const m = await lastOn(jsm, n.stateStream, n.resultSubject(state, key));
  return m ? decodeResult(m) : undefined;
}

/** Every range key with a result, with its fate (done wins when both were recorded). */
export async function resultFates(jsm: JetStreamManager, n: JobNames): Promise<Map<string, "done" | "dead">> {
  const fates = new Map<string, "done" | "dead">();
  for (const subject of await subjectsOf(jsm, n.stateStream, n.resultSubjects)) {
    const r = parseResultSubject(subject);
    if (r && fates.get(r.key) !== "done") fates.set(r.key, r.state);
  }
  return fates;
}

export async function publishWorker(js: JetStreamClient, n: JobNames, w: WorkerRecord): Promise<void> {
  await js.publish(n.workerSubject(w.id), encodeJson(w));
}

export async function readWorkers(jsm: JetStreamManager, n: JobNames): Promise<WorkerRecord[]> {
  const out: WorkerRecord[] = [];
  for (const subject of await subjectsOf(jsm, n.stateStream, n.workerSubjects)) {
    const m = await lastOn(jsm, n.stateStream, subject);
    if (m) out.push(decodeWorker(m));
  }
  return out.sort((a, b) => a.id.localeCompare(b.id));
}

/** Subjects holding messages in `stream` that match `filter` (empty when the stream does not exist). */
export async function subjectsOf(jsm: JetStreamManager, stream: string, filter: string): Promise<string[]> {
  try {
    const info = await jsm.streams.info(stream, { subjects_filter: filter });
    return Object.keys(info.state.subjects ?? {});
  } catch (e) {
    if (isNotFound(e)) return [];
    throw e;
  }
}

async function lastOn(jsm: JetStreamManager, stream: string, subject: string): Promise<Uint8Array | undefined> {
  try {
    const m = await jsm.streams.getMessage(stream, { last_by_subj: subject });
    return m?.data ?? undefined;
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}
