// The Vulkan physical devices this process can see, read through the Vulkan loader (FFI), with their PCI bus
// where the driver exposes it (VK_EXT_pci_bus_info: NVIDIA, AMD, Intel; not lavapipe). WebGPU does not report
// the PCI bus, so this is what tells two identical GPUs apart and shows whether a gpu:N process was narrowed to
// one device (device_env.ts). It sees what wgpu sees: the same loader, environment, ICDs and layers.

export interface VulkanDevice {
  name: string;
  vendorId: number;
  deviceId: number;
  type: "integrated" | "discrete" | "virtual" | "cpu" | "other";
  /** "0000:01:00.0", when the driver exposes VK_EXT_pci_bus_info. */
  pciBus?: string;
}

const TYPES = ["other", "integrated", "discrete", "virtual", "cpu"] as const;
// Struct type ids and sizes from the Vulkan headers (x86-64/aarch64 layout: 8-byte pointers).
const S_APPLICATION_INFO = 0, S_INSTANCE_CREATE_INFO = 1;
const S_PROPERTIES_2 = 1000059001, S_PCI_BUS_INFO = 1000212000;
const API_1_1 = (1 << 22) | (1 << 12);
const EXTENSION_SIZE = 260; // char[256] name + uint32 specVersion

const SYMBOLS = {
  vkCreateInstance: { parameters: ["buffer", "pointer", "buffer"], result: "i32" },
  vkDestroyInstance: { parameters: ["pointer", "pointer"], result: "void" },
  vkEnumeratePhysicalDevices: { parameters: ["pointer", "buffer", "buffer"], result: "i32" },
  vkGetPhysicalDeviceProperties2: { parameters: ["pointer", "buffer"], result: "void" },
  vkEnumerateDeviceExtensionProperties: { parameters: ["pointer", "pointer", "buffer", "buffer"], result: "i32" },
} as const;

/** The devices in the loader's order, or a reason why they could not be listed (no libvulkan, no driver). */
export function listVulkanDevices(): { devices: VulkanDevice[] } | { error: string } {
  let lib: Deno.DynamicLibrary<typeof SYMBOLS>;
  try {
    lib = Deno.dlopen("libvulkan.so.1", SYMBOLS);
  } catch (e) {
    return { error: `no Vulkan loader (libvulkan.so.1): ${(e as Error).message.split("\n")[0]}` };
  }
  try {
    const instance = createInstance(lib);
    if (typeof instance === "string") return { error: instance };
    try {
      const count = new Uint32Array(1);
      let rc = lib.symbols.vkEnumeratePhysicalDevices(instance, count, null);
      if (rc !== 0) return { error: `vkEnumeratePhysicalDevices failed (VkResult ${rc})` };
      const handles = new BigUint64Array(count[0]);
      rc = lib.symbols.vkEnumeratePhysicalDevices(instance, count, handles);
      if (rc < 0) return { error: `vkEnumeratePhysicalDevices failed (VkResult ${rc})` };
      return { devices: Array.from(handles.slice(0, count[0]), (h) => describe(lib, Deno.UnsafePointer.create(h)!)) };
    } finally {
      lib.symbols.vkDestroyInstance(instance, null);
    }
  } finally {
    lib.close();
  }
}

function cString(s: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(s + "\0");
}

function createInstance(lib: Deno.DynamicLibrary<typeof SYMBOLS>): Deno.PointerObject | string {
  const appName = cString("ichigo-tts-tokens");
  const app = new DataView(new ArrayBuffer(48));
  app.setUint32(0, S_APPLICATION_INFO, true);
  app.setBigUint64(16, BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(appName))), true);
  app.setUint32(44, API_1_1, true); // properties2 and the PCI bus chain need Vulkan 1.1
  const create = new DataView(new ArrayBuffer(64));
  create.setUint32(0, S_INSTANCE_CREATE_INFO, true);
  create.setBigUint64(24, BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(app.buffer))), true);
  const out = new BigUint64Array(1);
  const rc = lib.symbols.vkCreateInstance(new Uint8Array(create.buffer), null, new Uint8Array(out.buffer));
  // Keep the referenced buffers alive until the call returned.
  void appName.length;
  if (rc !== 0) return rc === -9 ? "no Vulkan driver (VK_ERROR_INCOMPATIBLE_DRIVER: no ICD found)" : `vkCreateInstance failed (VkResult ${rc})`;
  return Deno.UnsafePointer.create(out[0])!;
}

function hasPciBusInfo(lib: Deno.DynamicLibrary<typeof SYMBOLS>, device: Deno.PointerObject): boolean {
  const count = new Uint32Array(1);
  if (lib.symbols.vkEnumerateDeviceExtensionProperties(device, null, count, null) !== 0) return false;
  const props = new Uint8Array(count[0] * EXTENSION_SIZE);
  if (lib.symbols.vkEnumerateDeviceExtensionProperties(device, null, count, props) < 0) return false;
  const dec = new TextDecoder();
  for (let i = 0; i < count[0]; i++) {
    const raw = props.subarray(i * EXTENSION_SIZE, i * EXTENSION_SIZE + 256);
    if (dec.decode(raw.subarray(0, raw.indexOf(0))) === "VK_EXT_pci_bus_info") return true;
  }
  return false;
}

function describe(lib: Deno.DynamicLibrary<typeof SYMBOLS>, device: Deno.PointerObject): VulkanDevice {
  const pci = hasPciBusInfo(lib, device);
  const bus = new DataView(new ArrayBuffer(32));
  bus.setUint32(0, S_PCI_BUS_INFO, true);
  // VkPhysicalDeviceProperties2: sType, pNext, then VkPhysicalDeviceProperties (about 820 bytes).
  const props = new DataView(new ArrayBuffer(2048));
  props.setUint32(0, S_PROPERTIES_2, true);
  if (pci) props.setBigUint64(8, BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(bus.buffer))), true);
  lib.symbols.vkGetPhysicalDeviceProperties2(device, new Uint8Array(props.buffer));
  const nameBytes = new Uint8Array(props.buffer, 36, 256);
  const hex = (n: number, w: number) => n.toString(16).padStart(w, "0");
  return {
    name: new TextDecoder().decode(nameBytes.subarray(0, nameBytes.indexOf(0))),
    vendorId: props.getUint32(24, true),
    deviceId: props.getUint32(28, true),
    type: TYPES[props.getUint32(32, true)] ?? "other",
    pciBus: pci
      ? `${hex(bus.getUint32(16, true), 4)}:${hex(bus.getUint32(20, true), 2)}:${hex(bus.getUint32(24, true), 2)}.${bus.getUint32(28, true)}`
      : undefined,
  };
}
