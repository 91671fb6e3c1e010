// Environment for the child process that serves physical GPU N. WebGPU cannot enumerate or pick adapters, so
// the GPU is chosen per process through what the Vulkan stack honours (README "Several GPUs"):
// - Mesa's device-select layer (VK_LAYER_MESA_device_select, an implicit Vulkan layer shipped in Debian's
//   mesa-vulkan-drivers; it wraps any driver's vkEnumeratePhysicalDevices, NVIDIA's included) puts the device
//   whose PCI bus matches DRI_PRIME=pci-DDDD_BB_DD_F first, and MESA_VK_DEVICE_SELECT_FORCE_DEFAULT_DEVICE=1
//   hides the others; it needs the driver's VK_EXT_pci_bus_info, which NVIDIA's driver has.
// - NVIDIA's Vulkan driver does not document CUDA_VISIBLE_DEVICES; it is set for CUDA tools and onnxruntime-node.
// - The Vulkan loader's own device filters arrived after Debian 12's loader (1.3.239), so they are not relied on.
// Whether it worked is not assumed: each child reports what it got and the parent checks (adapter_check.ts).

/** PCI bus ids ("0000:01:00.0") of the machine's GPUs in PCI order (nvidia-smi's and CUDA_DEVICE_ORDER=PCI_BUS_ID's). */
export function hostGpus(read: (dir: string) => string[] = listDir, readText: (f: string) => string | undefined = readFile): string[] {
  // NVIDIA's driver lists the GPUs this container may use.
  const nvidia = read("/proc/driver/nvidia/gpus").filter((d) => PCI.test(d)).sort();
  if (nvidia.length > 0) return nvidia.map((d) => d.toLowerCase());
  // Else display controllers (PCI class 0x03) from known GPU vendors; emulated VGA cards are left out.
  return read("/sys/bus/pci/devices").filter((d) => PCI.test(d)).sort().filter((d) => {
    const cls = readText(`/sys/bus/pci/devices/${d}/class`)?.trim() ?? "";
    const vendor = readText(`/sys/bus/pci/devices/${d}/vendor`)?.trim().toLowerCase() ?? "";
    return cls.startsWith("0x03") && GPU_VENDORS.has(vendor);
  });
}

const PCI = /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/i;
const GPU_VENDORS = new Set(["0x10de", "0x1002", "0x8086"]); // NVIDIA, AMD, Intel

function listDir(dir: string): string[] {
  try {
    return [...Deno.readDirSync(dir)].map((e) => e.name);
  } catch {
    return [];
  }
}

function readFile(f: string): string | undefined {
  try {
    return Deno.readTextFileSync(f);
  } catch {
    return undefined;
  }
}

/** Mesa's device-select tag for a PCI bus id: "0000:01:00.0" -> "pci-0000_01_00_0". */
export function driPrimeTag(pciBus: string): string {
  return "pci-" + pciBus.toLowerCase().replace(/[:.]/g, "_");
}

export function gpuEnvironment(gpu: number, base: Record<string, string>, pciBus?: string): Record<string, string> {
  const env: Record<string, string> = {
    ...base,
    // onnxruntime-node CUDA and most NVIDIA tooling: the process sees only GPU N (as device 0).
    CUDA_VISIBLE_DEVICES: String(gpu),
    NVIDIA_VISIBLE_DEVICES: String(gpu),
    ICHIGO_GPU_INDEX: String(gpu),
    // Keep wgpu on Vulkan (no silent GL fallback on a GPU host).
    DENO_WEBGPU_BACKEND: base.DENO_WEBGPU_BACKEND ?? "vulkan",
  };
  if (pciBus) {
    env.DRI_PRIME = driPrimeTag(pciBus);
    env.MESA_VK_DEVICE_SELECT_FORCE_DEFAULT_DEVICE = "1";
    env.ICHIGO_GPU_PCI_BUS = pciBus.toLowerCase();
  }
  return env;
}
