// An in-process WorkerFactory over createWorkerApi + the fake engines (or another engine module, e.g. the real
// ones): fast scheduler and pipeline tests without threads.
import type { WorkerFactory, WorkerHandle } from "../../core/schedule/worker_handle.ts";
import { createWorkerApi } from "../../core/worker/worker_api.ts";
import type { CreateEngines, EngineSpec } from "../../core/worker/engines.ts";
import * as fakes from "./fake_engines.ts";

export function inProcessFactory(
  spec: Omit<EngineSpec, "workerId" | "device">,
  starts: number[] = [],
  engines: { createEngines: CreateEngines } = fakes,
): WorkerFactory {
  return async (id, device): Promise<WorkerHandle> => {
    starts.push(id);
    const api = createWorkerApi(() => Promise.resolve(engines));
    let kill: (e: Error) => void = () => {};
    const died = new Promise<Error>((r) => (kill = r));
    await api.init({ ...spec, workerId: id, device }, "fake");
    return { id, device, api, died, terminate: () => kill(new Error("terminated")) };
  };
}
