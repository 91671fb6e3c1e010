// Hardware or software: what a WebGPU adapter really is. A software rasteriser (Mesa's llvmpipe/lavapipe,
// Chromium's SwiftShader, Microsoft's WARP) runs WebGPU hundreds of times slower than a GPU, so a run must
// never land on one without saying so. Runtime-neutral: it reads only the fields WebGPU exposes.

/** The fields of `GPUAdapterInfo` (read one by one: they are prototype getters, JSON.stringify gives `{}`). */
export interface AdapterInfoLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  /** Newer browsers put it on `info`; older ones and Deno on the adapter (or nowhere). */
  isFallbackAdapter?: boolean;
}

export interface AdapterKind {
  kind: "hardware" | "software";
  /** A readable identity for logs: "llvmpipe (LLVM 15.0.6, 256 bits)", "google swiftshader", "nvidia (10de:2335)". */
  name: string;
  /** Why it counts as software (empty for hardware). */
  reason: string;
}

// Names software adapters report in description/architecture/vendor (lower case).
const SOFTWARE_NAMES = ["llvmpipe", "lavapipe", "softpipe", "swiftshader", "warp", "microsoft basic render"];
// PCI vendor ids that only software renderers use: 0x10005 is Mesa's (llvmpipe over GL and Vulkan).
const SOFTWARE_VENDOR_IDS = new Set(["65541", "0x10005", "10005"]);

/** Copies the fields out of a live `GPUAdapterInfo` (getters) and the adapter's own `isFallbackAdapter`. */
export function readAdapterInfo(adapter: { info?: unknown; isFallbackAdapter?: unknown }): AdapterInfoLike {
  const info = (adapter.info ?? {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === "string" ? v : undefined);
  const fallback = info.isFallbackAdapter ?? adapter.isFallbackAdapter;
  return {
    vendor: str(info.vendor),
    architecture: str(info.architecture),
    device: str(info.device),
    description: str(info.description),
    isFallbackAdapter: typeof fallback === "boolean" ? fallback : undefined,
  };
}

export function classifyAdapter(info: AdapterInfoLike): AdapterKind {
  const fields = [info.description, info.architecture, info.vendor].map((s) => (s ?? "").trim());
  const device = info.device && info.device !== "0" ? ` (${info.device})` : "";
  const vendorArch = [fields[2], fields[1]].filter(Boolean).join(" ");
  const name = fields[0] || (vendorArch ? vendorArch + device : "unnamed adapter");
  if (info.isFallbackAdapter === true) return { kind: "software", name, reason: "WebGPU reports it as a fallback (software) adapter" };
  const lower = fields.join(" ").toLowerCase();
  const hit = SOFTWARE_NAMES.find((n) => lower.includes(n));
  if (hit) return { kind: "software", name, reason: `${hit} is a software renderer on the CPU` };
  if (SOFTWARE_VENDOR_IDS.has((info.vendor ?? "").toLowerCase())) {
    return { kind: "software", name, reason: "vendor id 0x10005 is Mesa's software renderer" };
  }
  return { kind: "hardware", name, reason: "" };
}
