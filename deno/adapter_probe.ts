// What WebGPU adapter this process gets, and which Vulkan devices it can see: reported by each gpu:N process
// to the parent (device_host.ts), which refuses software adapters and two processes on one GPU (adapter_check.ts).
import { type AdapterKind, classifyAdapter, readAdapterInfo } from "../core/worker/adapter_kind.ts";
import { listVulkanDevices, type VulkanDevice } from "./vulkan_devices.ts";

export interface AdapterReport {
  /** Undefined when requestAdapter() gave nothing. */
  adapter?: AdapterKind & { vendor: string; architecture: string; device: string; shaderF16: boolean };
  /** The Vulkan devices visible to this process, in the loader's order (wgpu takes one of them). */
  vulkan: VulkanDevice[];
  /** Why the Vulkan devices could not be listed. */
  vulkanError?: string;
  pid: number;
}

interface GpuLike {
  requestAdapter(): Promise<{ info?: unknown; isFallbackAdapter?: unknown; features: { has(f: string): boolean } } | null>;
}

export async function probeAdapter(): Promise<AdapterReport> {
  const gpu = (globalThis.navigator as { gpu?: GpuLike } | undefined)?.gpu;
  const found = await gpu?.requestAdapter().catch(() => null);
  const listed = listVulkanDevices();
  const report: AdapterReport = {
    vulkan: "devices" in listed ? listed.devices : [],
    vulkanError: "error" in listed ? listed.error : undefined,
    pid: Deno.pid,
  };
  if (found) {
    const info = readAdapterInfo(found);
    report.adapter = {
      ...classifyAdapter(info),
      vendor: info.vendor ?? "",
      architecture: info.architecture ?? "",
      device: info.device ?? "",
      shaderF16: found.features.has("shader-f16"),
    };
  }
  return report;
}

// gpu-check runs this file in each gpu:N environment: one JSON line.
if (import.meta.main) console.log(JSON.stringify(await probeAdapter()));
