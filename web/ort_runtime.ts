// ONNX Runtime in the browser: one entry point (onnxruntime-web/webgpu, whose build also has the wasm EP), so
// one wasm file ships. WebGPU when an adapter exists; wasm otherwise, with the reason said.
import * as ort from "onnxruntime-web/webgpu";
import { type OrtRuntime, providerFor } from "../models/onnx/runtime.ts";

interface Adapter {
  features: { has(f: string): boolean };
  info?: { vendor?: string; architecture?: string; description?: string };
  isFallbackAdapter?: boolean;
}

// Expected fallbacks (a node the WebGPU EP lacks, such as LSTM, runs on the CPU) are warnings, not errors.
ort.env.logLevel = "error";

export async function gpuAdapter(): Promise<Adapter | undefined> {
  const gpu = (navigator as { gpu?: { requestAdapter(): Promise<Adapter | null> } }).gpu;
  if (!gpu) return undefined;
  return (await gpu.requestAdapter().catch(() => null)) ?? undefined;
}

/** `threads` caps wasm threads (the page's own main-thread session uses 1: it only decodes for listening). */
export async function loadOrt(device: string, threads?: number): Promise<OrtRuntime> {
  const make = (provider: OrtRuntime["provider"], description: string, fp16: boolean): OrtRuntime => ({
    provider,
    description,
    fp16,
    Tensor: ort.Tensor as unknown as OrtRuntime["Tensor"],
    createSession: (bytes, options = {}) =>
      ort.InferenceSession.create(bytes, { executionProviders: [provider], graphOptimizationLevel: "all", logSeverityLevel: 3, ...options }) as never,
    // Set by onnxruntime-web once its WebGPU backend is up (after the first session).
    gpuDevice: provider === "webgpu" ? () => ort.env.webgpu.device as never : undefined,
  });
  ort.env.wasm.numThreads = globalThis.crossOriginIsolated ? Math.max(1, Math.min(threads ?? 4, navigator.hardwareConcurrency ?? 1)) : 1;
  let reason = "";
  if (providerFor(device) === "webgpu") {
    const adapter = await gpuAdapter();
    if (adapter) {
      const f16 = adapter.features.has("shader-f16");
      const name = adapter.info?.description || adapter.info?.architecture || adapter.info?.vendor || "adapter";
      return make("webgpu", `webgpu (${name}${f16 ? ", shader-f16" : ", no shader-f16: fp32 graphs"})`, f16);
    }
    reason = navigator.gpu ? "no WebGPU adapter" : "this browser has no WebGPU";
  }
  const threadNote = `${ort.env.wasm.numThreads} thread(s)${globalThis.crossOriginIsolated ? "" : ", not cross-origin isolated"}`;
  return make("wasm", reason ? `wasm (${reason}; ${threadNote})` : `wasm (${threadNote})`, true);
}
