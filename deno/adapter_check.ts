// What the parent makes of the adapter each gpu:N process reports: a log line, and the reasons to refuse the run
// (no adapter, a software renderer, two processes on one physical GPU). Messages say what was found and what
// to do, in one line.
import type { AdapterReport } from "./adapter_probe.ts";

/** Lets gpu:N run on a software adapter (lavapipe in CI); the run warns instead of refusing. */
export const ALLOW_SOFTWARE_ENV = "ICHIGO_ALLOW_SOFTWARE_GPU";

export function softwareAllowed(env: { get(k: string): string | undefined }): boolean {
  return ["1", "true", "yes"].includes((env.get(ALLOW_SOFTWARE_ENV) ?? "").toLowerCase());
}

// Worker threads share the process environment but not module state: the marker makes the warning once per process.
const WARNED = "ICHIGO_SOFTWARE_GPU_WARNED";

/** True the first time in this process (parent or any worker thread) that a software adapter is warned about. */
export function firstSoftwareWarning(): boolean {
  if (Deno.env.get(WARNED)) return false;
  Deno.env.set(WARNED, "1");
  return true;
}

/** The warning for an explicit webgpu device (or an allowed gpu:N) on a software renderer. */
export function softwareWarning(device: string, name: string): string {
  return `${device} runs on ${name}, a software renderer on the CPU: expect it to be hundreds of times slower than a GPU (cpu is faster here)`;
}

const FIX = "install the GPU's Vulkan driver (NVIDIA: the driver's Vulkan ICD, nvidia_icd.json) or use devices: [cpu]";

const hex = (n: number, w = 4) => "0x" + n.toString(16).padStart(w, "0");

/** The physical device behind the adapter: its PCI bus when one Vulkan device matches, else what it reports. */
export function adapterIdentity(r: AdapterReport): string {
  const a = r.adapter;
  if (!a) return "no adapter";
  const same = r.vulkan.filter((d) => d.name === a.name);
  if (same.length === 1 && same[0].pciBus) return `PCI ${same[0].pciBus}`;
  const ids = same[0] ? ` ${hex(same[0].vendorId)}:${hex(same[0].deviceId)}` : a.vendor ? ` vendor ${a.vendor} device ${a.device}` : "";
  const of = same.length > 1 ? `one of ${same.length} devices named ` : "";
  return `${of}${a.name}${ids}`;
}

/** One line for the log: "gpu:0 (process 12): NVIDIA H200 [hardware], PCI 0000:01:00.0, shader-f16; 1 Vulkan device visible". */
export function describeReport(device: string, r: AdapterReport): string {
  const visible = r.vulkanError ? `Vulkan devices not listed: ${r.vulkanError}` :
    `${r.vulkan.length} Vulkan device(s) visible${r.vulkan.length > 1 ? ` (${r.vulkan.map((d) => d.pciBus ?? d.name).join(", ")})` : ""}`;
  if (!r.adapter) return `${device} (process ${r.pid}): no WebGPU adapter; ${visible}`;
  const a = r.adapter;
  return `${device} (process ${r.pid}): ${a.name} [${a.kind}${a.reason ? `: ${a.reason}` : ""}], ${adapterIdentity(r)}, ` +
    `${a.shaderF16 ? "shader-f16" : "no shader-f16"}; ${visible}`;
}

/** Why this gpu:N process must not run, or undefined. */
export function refusal(device: string, r: AdapterReport, allowSoftware: boolean): string | undefined {
  if (!r.adapter) {
    return `${device}: no WebGPU adapter in its process (${r.vulkanError ?? `${r.vulkan.length} Vulkan device(s)`}): ${FIX}`;
  }
  if (r.adapter.kind === "software" && !allowSoftware) {
    return `${device}: the only WebGPU adapter is ${r.adapter.name}, a software renderer on the CPU, hundreds of times ` +
      `slower than a GPU: ${FIX} (${ALLOW_SOFTWARE_ENV}=1 runs on it anyway)`;
  }
  return undefined;
}

/** processing.precision fp16 asked for explicitly on an adapter that cannot run fp16 shaders (auto takes fp32 there). */
export function fp16Refusal(device: string, r: AdapterReport, precision: string | undefined): string | undefined {
  if (precision !== "fp16" || r.adapter?.shaderF16) return undefined;
  const what = r.adapter ? `${r.adapter.name} has no shader-f16` : "there is no WebGPU adapter";
  return `${device}: processing.precision is fp16 but ${what}: use precision auto or fp32`;
}

/** Two gpu:N processes on one physical adapter: the run would silently use fewer GPUs than configured. */
export function duplicate(reports: Map<string, AdapterReport>): string | undefined {
  const seen = new Map<string, string>();
  const number = (d: string) => Number(d.match(/\d+$/)?.[0] ?? -1);
  for (const [device, r] of [...reports].sort(([a], [b]) => number(a) - number(b))) {
    if (!r.adapter) continue;
    const id = adapterIdentity(r);
    const other = seen.get(id);
    if (other) {
      const narrowed = r.vulkan.length > 1 ? `; its process sees ${r.vulkan.length} Vulkan devices, so it was not narrowed to one GPU` : "";
      return `${other} and ${device} got the same adapter (${id})${narrowed}: each gpu:N must be a different GPU ` +
        `(list each GPU once; num_procs_per_device puts more workers on one GPU; README "Several GPUs")`;
    }
    seen.set(id, device);
  }
  return undefined;
}
