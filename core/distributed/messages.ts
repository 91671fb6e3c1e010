// What travels over NATS, as JSON: a range of rows to do, a range's result, the job record, a worker's status.
// Texts travel inside the range, so workers never read the dataset (one reader of the Hub, on the head node).
import type { JobIdentity } from "../job/identity.ts";

/** One row to do; `problem` marks a row that fails without being synthesized (empty text, ...). */
export interface RangeRow {
  index: number;
  text: string;
  problem?: string;
}

/** A range: the rows still to do of `range_size` consecutive dataset rows, written as the one shard `key`. */
export interface RangeWork {
  key: string;
  rows: RangeRow[];
}

/** A range's fate, published by the worker that wrote its shard (done) or by whoever gave it up (dead). */
export interface RangeResult {
  key: string;
  state: "done" | "dead";
  /** Rows written as tokens, and rows recorded as failed. */
  rows: number;
  failed: number;
  worker?: string;
  deliveries?: number;
  error?: string;
  at: string;
}

/** What a coordinator plans: ranges are stable only while these stay the same. */
export interface PlanParams {
  dataset: string;
  remaining_indices_file: string | null;
  test_mode: boolean;
  num_samples: number | null;
  range_size: number;
}

export interface JobProgress {
  ranges: number;
  done: number;
  dead: number;
  pending?: number;
  inFlight?: number;
  rows: number;
}

export interface JobRecord {
  job: string;
  status: "running" | "finished";
  save_dir: string;
  /** The job's identity (core/job/identity.ts), as in save_dir/job.json: every worker must match it. */
  identity: JobIdentity;
  plan: PlanParams;
  started: string;
  updated: string;
  progress?: JobProgress;
  /** Exit state of a finished job. */
  outcome?: string;
}

export interface WorkerRecord {
  id: string;
  host: string;
  pid: number;
  devices: string[];
  state: "running" | "stopped";
  started: string;
  updated: string;
  ranges: number;
  rows: number;
  failed: number;
  audioSeconds: number;
  inFlight: string[];
}

const enc = new TextEncoder();
const dec = new TextDecoder();

export function encodeJson(value: unknown): Uint8Array {
  return enc.encode(JSON.stringify(value));
}

export function decodeJson<T>(bytes: Uint8Array, what: string, check: (v: Record<string, unknown>) => boolean): T {
  let v: unknown;
  try {
    v = JSON.parse(dec.decode(bytes));
  } catch (e) {
    throw new Error(`${what}: not JSON (${(e as Error).message})`);
  }
  if (typeof v !== "object" || v === null || Array.isArray(v) || !check(v as Record<string, unknown>)) {
    throw new Error(`${what}: unexpected shape`);
  }
  return v as T;
}

export function decodeRange(bytes: Uint8Array): RangeWork {
  return decodeJson<RangeWork>(bytes, "range message", (v) =>
    typeof v.key === "string" && Array.isArray(v.rows) &&
    v.rows.every((r: { index?: unknown; text?: unknown }) => Number.isSafeInteger(r?.index) && typeof r?.text === "string"));
}

export const decodeResult = (bytes: Uint8Array) =>
  decodeJson<RangeResult>(bytes, "range result", (v) => typeof v.key === "string" && (v.state === "done" || v.state === "dead"));

export const decodeJob = (bytes: Uint8Array) =>
  decodeJson<JobRecord>(bytes, "job record", (v) => typeof v.job === "string" && typeof v.identity === "object" && v.identity !== null);

export const decodeWorker = (bytes: Uint8Array) =>
  decodeJson<WorkerRecord>(bytes, "worker record", (v) => typeof v.id === "string" && typeof v.rows === "number");
