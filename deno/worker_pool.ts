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
}

export function createDenoWorkerFactory(options: DenoWorkerOptions): WorkerFactory {
  return async (id, device): Promise<WorkerHandle> => {
    const worker = new WebWorker(WORKER_URL, { type: "module" });
    let dead = false;
    const died = new Promise<Error>((resolve) => {
      worker.addEventListener("error", (e) => {
        e.preventDefault();
        dead = true;
        resolve(new Error(e.message || "worker error"));
      });
      worker.addEventListener("messageerror", () => {
        dead = true;
        resolve(new Error("worker message could not be read"));
      });
    });
    const api = Comlink.wrap<WorkerApi>(worker) as unknown as WorkerApi;
    const terminate = () => {
      dead = true;
      worker.terminate();
    };
    try {
      const init = api.init({ ...options.spec, workerId: id, device }, options.engineModule);
      const description = await Promise.race([init, died.then((e) => Promise.reject(e))]);
      options.logger.info(`worker ${id} on ${device}: ${description}`);
      options.onStarted?.(id, description);
    } catch (e) {
      terminate();
      throw e;
    }
    return { id, device, api, died, terminate: () => !dead && terminate() };
  };
}
