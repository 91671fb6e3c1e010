// ONNX Runtime under Deno: cpu = onnxruntime-node (native, multi-threaded), wasm = onnxruntime-web's node build
// (threaded wasm), webgpu = onnxruntime-web/webgpu (the native WebGPU EP; the plain import has no WebGPU in Deno).
import type { OrtLoader, OrtRuntime } from "../models/onnx/runtime.ts";
import { providerFor } from "../models/onnx/runtime.ts";
import { classifyAdapter, readAdapterInfo } from "../core/worker/adapter_kind.ts";
import { ModelError } from "../core/errors.ts";
import { ALLOW_SOFTWARE_ENV, firstSoftwareWarning, softwareAllowed, softwareWarning } from "./adapter_check.ts";

export const loadOrt: OrtLoader = async (device, log = () => {}) => {
  const provider = providerFor(device);
  if (provider === "cpu") {
    const ort = await import("onnxruntime-node");
    return runtime(ort, "cpu", "cpu (onnxruntime-node)", true, ["cpu"]);
  }
  if (provider === "webgpu") {
    const nav = (globalThis as { navigator?: { gpu?: { requestAdapter(): Promise<GPUAdapterLike | null> } } }).navigator;
    const adapter = await nav?.gpu?.requestAdapter().catch(() => null);
    if (adapter) {
      const kind = classifyAdapter(readAdapterInfo(adapter));
      if (kind.kind === "software") softwareAdapter(device, kind.name, log);
      const ort = await import("onnxruntime-web/webgpu");
      ort.env.wasm.numThreads = 1; // browser builds cannot start threads in Deno (runtime.md 4.3)
      const f16 = adapter.features.has("shader-f16");
      const what = `${kind.name}${kind.kind === "software" ? ", software renderer" : ""}${f16 ? ", shader-f16" : ", no shader-f16: fp32 only"}`;
      return runtime(ort, "webgpu", `webgpu (${what})`, f16, ["webgpu"]);
    }
    // A gpu:N worker never falls back: its process was checked to have an adapter (device_workers.ts).
    if (device !== "webgpu") throw new ModelError(`${device}: no WebGPU adapter in this process: install the GPU's Vulkan driver or use devices: [cpu]`);
    log(`${device}: no WebGPU adapter in this process; falling back to wasm`);
    const rt = await loadOrt("wasm", log);
    return { ...rt, description: `wasm (fallback: no WebGPU adapter for ${device})` };
  }
  const ort = await import("onnxruntime-web");
  ort.env.wasm.numThreads = wasmThreads(Deno.env.get("ICHIGO_WASM_THREADS"));
  return runtime(ort, "wasm", `wasm (${ort.env.wasm.numThreads} thread(s))`, true, ["wasm"]);
};

/** Threads per wasm session: up to 4 of the machine's cores, or ICHIGO_WASM_THREADS (1-64). The test suite
 * uses 1 (scripts/test.sh says why). */
export function wasmThreads(setting: string | undefined): number {
  if (setting !== undefined && setting !== "") {
    const n = Number(setting);
    if (!Number.isInteger(n) || n < 1 || n > 64) throw new ModelError(`ICHIGO_WASM_THREADS: expected an integer from 1 to 64, got "${setting}"`);
    return n;
  }
  return Math.max(1, Math.min(4, navigator.hardwareConcurrency ?? 1));
}

interface GPUAdapterLike {
  features: { has(name: string): boolean };
  info?: unknown;
  isFallbackAdapter?: unknown;
}

/** gpu:N on a software renderer only with the opt-in; an explicit webgpu runs there with one warning. */
function softwareAdapter(device: string, name: string, log: (m: string) => void) {
  if (device !== "webgpu" && !softwareAllowed(Deno.env)) {
    throw new ModelError(`${device}: the only WebGPU adapter is ${name}, a software renderer on the CPU: install the GPU's ` +
      `Vulkan driver or use devices: [cpu] (${ALLOW_SOFTWARE_ENV}=1 runs on it anyway)`);
  }
  if (firstSoftwareWarning()) log(`warning: ${softwareWarning(device, name)}`);
}

// Deno does not count a pending WebGPU buffer mapping as work: awaiting a GPU tensor's getData() with nothing
// else scheduled lets the process exit mid-run. While any WebGPU session is open, a timer keeps it alive.
let openGpuSessions = 0;
let keepAlive: ReturnType<typeof setInterval> | undefined;

// deno-lint-ignore no-explicit-any
function holdWhileOpen(session: any) {
  if (openGpuSessions++ === 0) keepAlive = setInterval(() => {}, 60_000);
  const release = session.release.bind(session);
  let released = false;
  session.release = async () => {
    if (!released && --openGpuSessions === 0) clearInterval(keepAlive);
    released = true;
    return await release();
  };
  return session;
}

// deno-lint-ignore no-explicit-any
function runtime(ort: any, provider: OrtRuntime["provider"], description: string, fp16: boolean, eps: string[]): OrtRuntime {
  return {
    provider,
    description,
    fp16,
    Tensor: ort.Tensor,
    createSession: async (model, options = {}) => {
      const session = await ort.InferenceSession.create(model, { executionProviders: eps, graphOptimizationLevel: "all", ...options });
      return provider === "webgpu" ? holdWhileOpen(session) : session;
    },
    // Set by onnxruntime-web once its WebGPU backend is up (after the first session).
    gpuDevice: provider === "webgpu" ? () => ort.env.webgpu.device : undefined,
  };
}
