// Starts module Web Workers (web/pipeline_worker.ts) for the scheduler, driven through Comlink.
import * as Comlink from "comlink";
import type { WorkerApi, WorkerFactory, WorkerHandle } from "../core/schedule/worker_handle.ts";
import type { EngineSpec } from "../core/worker/engines.ts";

export function createWebWorkerFactory(
  spec: Omit<EngineSpec, "workerId" | "device">,
  onStarted: (id: number, description: string) => void,
  onLog: (message: string) => void,
): WorkerFactory {
  return async (id, device): Promise<WorkerHandle> => {
    const worker = new Worker(new URL("./pipeline_worker.ts", import.meta.url), { type: "module" });
    let dead = false;
    const died = new Promise<Error>((resolve) => {
      worker.addEventListener("error", (e) => {
        e.preventDefault();
        dead = true;
        resolve(new Error(e.message || "worker error"));
      });
    });
    worker.addEventListener("message", (e) => {
      if (e.data && typeof e.data.log === "string") onLog(`worker ${id}: ${e.data.log}`);
    });
    const api = Comlink.wrap<WorkerApi>(worker) as unknown as WorkerApi;
    try {
      const description = await Promise.race([api.init({ ...spec, workerId: id, device }, "bundled"), died.then((e) => Promise.reject(e))]);
      onStarted(id, description);
    } catch (e) {
      worker.terminate();
      throw e;
    }
    return { id, device, api, died, terminate: () => { if (!dead) { dead = true; worker.terminate(); } } };
  };
}
