// Environment for the child process that serves physical GPU N. WebGPU cannot enumerate or pick adapters, so
// the GPU is chosen per process through what drivers and loaders honour (see README "Several GPUs").
export function gpuEnvironment(gpu: number, base: Record<string, string>): Record<string, string> {
  return {
    ...base,
    // onnxruntime-node CUDA and most NVIDIA tooling: the process sees only GPU N (as device 0).
    CUDA_VISIBLE_DEVICES: String(gpu),
    // NVIDIA container runtime / some Vulkan setups honour this at process start.
    NVIDIA_VISIBLE_DEVICES: String(gpu),
    // Vulkan loader (1.3.2xx+): restrict physical devices by index-free filters is not possible, so this is
    // informational for our own code and logs; see README for the per-host launcher alternative.
    ICHIGO_GPU_INDEX: String(gpu),
    // Keep wgpu on Vulkan (no silent GL fallback on a GPU host).
    DENO_WEBGPU_BACKEND: base.DENO_WEBGPU_BACKEND ?? "vulkan",
  };
}
