// ONNX Runtime under Deno: cpu = onnxruntime-node (native, multi-threaded), wasm = onnxruntime-web's node build
// (threaded wasm), webgpu = onnxruntime-web/webgpu (the native WebGPU EP; the plain import has no WebGPU in Deno).
import type { OrtLoader, OrtRuntime } from "../models/onnx/runtime.ts";
import { providerFor } from "../models/onnx/runtime.ts";

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
      const ort = await import("onnxruntime-web/webgpu");
      ort.env.wasm.numThreads = 1; // browser builds cannot start threads in Deno (runtime.md 4.3)
      const f16 = adapter.features.has("shader-f16");
      const name = adapter.info?.description || adapter.info?.vendor || "adapter";
      return runtime(ort, "webgpu", `webgpu (${name}${f16 ? ", shader-f16" : ", no shader-f16: fp32 only"})`, f16, ["webgpu"]);
    }
    log(`${device}: no WebGPU adapter in this process; falling back to wasm`);
    const rt = await loadOrt("wasm", log);
    return { ...rt, description: `wasm (fallback: no WebGPU adapter for ${device})` };
  }
  const ort = await import("onnxruntime-web");
  ort.env.wasm.numThreads = Math.max(1, Math.min(4, navigator.hardwareConcurrency ?? 1));
  return runtime(ort, "wasm", `wasm (${ort.env.wasm.numThreads} thread(s))`, true, ["wasm"]);
};

interface GPUAdapterLike {
  features: { has(name: string): boolean };
  info?: { description?: string; vendor?: string };
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
