/// <reference lib="deno.worker" />
// Worker entry: owns its engines (ONNX sessions, its own WebGPU device) and turns batches into tokens.
import "./no_location_shim.ts";
import * as Comlink from "comlink";
import { createWorkerApi } from "../core/worker/worker_api.ts";
import type { ItemOutcome } from "../core/types.ts";

const api = createWorkerApi((url) => import(url), (message) => console.error(message));
const process = api.process.bind(api);
// Token arrays move to the scheduler's thread without a copy.
api.process = async (items, options) => {
  const outcomes: ItemOutcome[] = await process(items, options);
  const buffers = outcomes.flatMap((o) => (o.ok ? [o.tokens.buffer as ArrayBuffer] : []));
  return Comlink.transfer(outcomes, buffers);
};
Comlink.expose(api);
