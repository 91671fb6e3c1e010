// The ONNX Runtime seam: models get an OrtRuntime and never import a runtime package themselves.
// Implementations: deno/ort_runtime.ts (cpu = onnxruntime-node, wasm, webgpu) and web/ort_runtime.ts.
import type { InferenceSession, Tensor } from "onnxruntime-common";

export type Provider = "cpu" | "wasm" | "webgpu";

export interface OrtRuntime {
  provider: Provider;
  /** What runs, for logs: "webgpu (llvmpipe, shader-f16)", "wasm: no WebGPU adapter", ... */
  description: string;
  /** Whether fp16 graphs can run (WebGPU needs the shader-f16 feature). */
  fp16: boolean;
  Tensor: typeof Tensor;
  createSession(model: Uint8Array, options?: InferenceSession.SessionOptions): Promise<InferenceSession>;
  /** WebGPU only: the GPUDevice the sessions run on (for buffers that stay on the GPU between runs). */
  gpuDevice?(): Promise<GpuDeviceLike>;
}

/** The parts of WebGPU's GPUDevice/GPUBuffer the models use (typed here: models/ sees no DOM types). */
export interface GpuBufferLike {
  destroy(): void;
}
export interface GpuDeviceLike {
  createBuffer(d: { size: number; usage: number }): GpuBufferLike;
  createCommandEncoder(): {
    copyBufferToBuffer(src: GpuBufferLike, srcOffset: number, dst: GpuBufferLike, dstOffset: number, size: number): void;
    finish(): unknown;
  };
  queue: { submit(buffers: unknown[]): void; writeBuffer(b: GpuBufferLike, offset: number, data: ArrayBufferLike, dataOffset: number, size: number): void };
}

export type OrtLoader = (device: string, log?: (message: string) => void) => Promise<OrtRuntime>;

/** `gpu:N` and `webgpu` ask for WebGPU; `cpu` and `wasm` name themselves. */
export function providerFor(device: string): Provider {
  if (device === "cpu") return "cpu";
  if (device === "wasm") return "wasm";
  if (device === "webgpu" || /^gpu:\d+$/.test(device)) return "webgpu";
  throw new Error(`unknown device "${device}" (expected cpu, wasm, webgpu or gpu:N)`);
}
