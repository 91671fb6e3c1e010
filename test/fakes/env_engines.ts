// Test double that reports the GPU-selection environment its worker sees (for the one-process-per-GPU test).
import type { CreateEngines } from "../../core/worker/engines.ts";
import { createEngines as fake } from "./fake_engines.ts";

export const createEngines: CreateEngines = async (spec, log) => {
  const engines = await fake(spec, log);
  const env = ["CUDA_VISIBLE_DEVICES", "NVIDIA_VISIBLE_DEVICES", "ICHIGO_GPU_INDEX"].map((k) => `${k}=${Deno.env.get(k) ?? ""}`);
  return { ...engines, description: `pid ${Deno.pid} ${env.join(" ")}` };
};
