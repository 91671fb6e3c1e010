// Starts Deno module Web Workers driven through Comlink; one worker = one engine set = one ORT instance.
import * as Comlink from "comlink";
import type { Logger } from "../core/log.ts";
import type { WorkerApi, WorkerFactory, WorkerHandle } from "../core/schedule/worker_handle.ts";
import type { EngineSpec } from "../core/worker/engines.ts";

// Captured at load: once onnxruntime-web initialises in this thread, globalThis.Worker becomes
// node:worker_threads' Worker (runtime.md 4.4).
const WebWorker = globalThis.Worker;
const WORKER_URL = new URL("./tts_worker.ts", import.meta.url).href;

export interface DenoWorkerOptions {
  engineModule: string;
  spec: Omit<EngineSpec, "workerId" | "device">;
  logger: Logger;
  /** Called with what each worker runs, e.g. "webgpu (llvmpipe)". */
  onStarted?: (id: number, description: string) => void;
  /** Aborted when the run stops (a signal): workers starting or running end at once, their batches fail over. */
  stop?: AbortSignal;
}

export function createDenoWorkerFactory(options: DenoWorkerOptions): WorkerFactory {
  return async (id, device): Promise<WorkerHandle> => {
    if (options.stop?.aborted) throw new Error("stopping");
    const worker = new WebWorker(WORKER_URL, { type: "module" });
    let dead = false;
    let die!: (e: Error) => void;
    const died = new Promise<Error>((resolve) => (die = resolve));
    worker.addEventListener("error", (e) => {
      e.preventDefault();
      dead = true;
      die(new Error(e.message || "worker error"));
    });
    worker.addEventListener("messageerror", () => {
      dead = true;
      die(new Error("worker message could not be read"));
    });
    const api = Comlink.wrap<WorkerApi>(worker) as unknown as WorkerApi;
    const terminate = () => {
      dead = true;
      worker.terminate();
    };
    // A stop ends the worker and settles `died`, so a batch in flight fails over instead of waiting its timeout.
    const onStop = () => {
      terminate();
      die(new Error("stopped by a signal"));
    };
    options.stop?.addEventListener("abort", onStop, { once: true });
    try {
      const init = api.init({ ...options.spec, workerId: id, device }, options.engineModule);
      const description = await Promise.race([init, died.then((e) => Promise.reject(e))]);
      options.logger.info(`worker ${id} on ${device}: ${description}`);
      options.onStarted?.(id, description);
    } catch (e) {
      options.stop?.removeEventListener("abort", onStop);
      terminate();
      throw e;
    }
    return {
      id,
      device,
      api,
      died,
      terminate: () => {
        options.stop?.removeEventListener("abort", onStop);
        if (!dead) terminate();
      },
    };
  };
}
