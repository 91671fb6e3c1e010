// The contract between the scheduler (core/schedule/scheduler.ts) and the pipeline (core/pipeline.ts).
import type { EncodedItem, FailedItem } from "../types.ts";
import type { SourceRow } from "../source/text_source.ts";
import type { TtsOptions } from "../worker/tts_engine.ts";
import type { WorkerFactory } from "./worker_handle.ts";
import type { Logger } from "../log.ts";

export interface ScheduleOptions {
  /** Starts (and restarts) workers. */
  factory: WorkerFactory;
  /** One entry per worker: devices x num_procs_per_device, e.g. ["gpu:0","gpu:0","gpu:1","gpu:1"]. */
  workerDevices: string[];
  /** Items per batch sent to a worker (small, so a slow worker never holds much). */
  batchSize: number;
  /** Tries per item before it goes to the failed list (the seed's max_retries). */
  maxAttempts: number;
  /** A batch of n items may take n x itemTimeoutMs before its worker is declared hung and replaced. */
  itemTimeoutMs: number;
  tts: TtsOptions;
  logger: Logger;
  signal?: AbortSignal;
  /** Called on every retry (for progress counters). */
  onRetry?: (index: number, attempt: number, error: string) => void;
}

/** The final fate of one row. Exactly one per input row, in completion order. */
export type FinalOutcome =
  | { kind: "done"; item: EncodedItem; /** 1-based try that produced this row. */ attempt: number }
  | { kind: "failed"; item: FailedItem };

// export function schedule(rows: AsyncIterable<SourceRow>, options: ScheduleOptions): AsyncIterable<FinalOutcome>
export type Schedule = (rows: AsyncIterable<SourceRow>, options: ScheduleOptions) => AsyncIterable<FinalOutcome>;
