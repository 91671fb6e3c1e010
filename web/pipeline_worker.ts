// A pipeline worker in the page: owns its ONNX sessions and turns batches of texts into tokens (the same
// worker API the Deno CLI's workers expose). The engine module is bundled, so the URL is not imported.
import * as Comlink from "comlink";
import type { ItemOutcome } from "../core/types.ts";
import { createWorkerApi } from "../core/worker/worker_api.ts";

const api = createWorkerApi(() => import("./engines.ts"), (message) => postMessage({ log: message }));
const process = api.process.bind(api);
api.process = async (items, options) => {
  const outcomes: ItemOutcome[] = await process(items, options);
  return Comlink.transfer(outcomes, outcomes.flatMap((o) => (o.ok ? [o.tokens.buffer as ArrayBuffer] : [])));
};
Comlink.expose(api);
