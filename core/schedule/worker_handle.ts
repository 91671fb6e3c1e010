// What the scheduler drives: a worker that turns a batch of texts into token lists.
// In Deno and the browser this is a Comlink Remote<WorkerApi> of a Web Worker; in tests it may be in-process.
import type { EngineSpec } from "../worker/engines.ts";
import type { TtsOptions } from "../worker/tts_engine.ts";
import type { ItemOutcome } from "../types.ts";
import type { TtsRequest } from "../worker/tts_engine.ts";

/** Exposed by every worker with Comlink. Methods only, all async. */
export interface WorkerApi {
  /** Loads the models; returns a description of what runs (provider, reason for a fallback). */
  init(spec: EngineSpec, engineModule: string): Promise<string>;
  /** TTS -> codec for each item; one outcome per item, in order. Never rejects for per-item errors. */
  process(items: TtsRequest[], options: TtsOptions): Promise<ItemOutcome[]>;
  dispose(): Promise<void>;
}

/** A live worker plus a way to kill it (for crashes and hangs). */
export interface WorkerHandle {
  readonly id: number;
  readonly device: string;
  readonly api: WorkerApi;
  /** Resolves when the worker dies unexpectedly (crash, uncaught error, process exit). */
  readonly died: Promise<Error>;
  /** Kills the worker at once. */
  terminate(): void;
}

/** Starts worker number `id` on `device`; the scheduler calls it again to replace a dead or hung worker. */
export type WorkerFactory = (id: number, device: string) => Promise<WorkerHandle>;
