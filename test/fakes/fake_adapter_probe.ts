// Test double for deno/adapter_probe.ts (ICHIGO_ADAPTER_PROBE): each gpu:N process reports a made-up hardware
// GPU on its own PCI bus, or all the same one with ICHIGO_FAKE_SAME_GPU=1.
import type { AdapterReport } from "../../deno/adapter_probe.ts";

export function probeAdapter(): Promise<AdapterReport> {
  const n = Deno.env.get("ICHIGO_FAKE_SAME_GPU") ? 0 : Number(Deno.env.get("ICHIGO_GPU_INDEX") ?? 0);
  const bus = `0000:${(n + 1).toString(16).padStart(2, "0")}:00.0`;
  return Promise.resolve({
    adapter: { kind: "hardware", name: "Fake GPU", reason: "", vendor: "nvidia", architecture: "fake", device: "0x2335", shaderF16: true },
    vulkan: [{ name: "Fake GPU", vendorId: 0x10de, deviceId: 0x2335, type: "discrete", pciBus: bus }],
    pid: Deno.pid,
  });
}
