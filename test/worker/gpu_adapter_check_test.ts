// gpu:N never lands silently on a software renderer, and two gpu:N processes never share one GPU.
import assert from "node:assert/strict";
import { adapterIdentity, describeReport, duplicate, refusal } from "../../deno/adapter_check.ts";
import type { AdapterReport } from "../../deno/adapter_probe.ts";
import { driPrimeTag, gpuEnvironment, hostGpus } from "../../deno/device_env.ts";
import { makeJob, runCli } from "../pipeline/cli_helpers.ts";

const FAKES = new URL("../fakes/env_engines.ts", import.meta.url).pathname;
const FAKE_PROBE = new URL("../fakes/fake_adapter_probe.ts", import.meta.url).href;

const gpu = (name: string, pciBus?: string, visible = 1): AdapterReport => ({
  adapter: { kind: "hardware", name, reason: "", vendor: "nvidia", architecture: "", device: "0x2335", shaderF16: true },
  vulkan: Array.from({ length: visible }, (_, i) => ({ name, vendorId: 0x10de, deviceId: 0x2335, type: "discrete" as const, pciBus: pciBus && i === 0 ? pciBus : undefined })),
  pid: 1,
});
const LAVAPIPE: AdapterReport = {
  adapter: { kind: "software", name: "llvmpipe (LLVM 15.0.6, 256 bits)", reason: "x", vendor: "65541", architecture: "", device: "0", shaderF16: true },
  vulkan: [{ name: "llvmpipe (LLVM 15.0.6, 256 bits)", vendorId: 0x10005, deviceId: 0, type: "cpu" }],
  pid: 2,
};

Deno.test("adapter check: software refused unless allowed, no adapter refused, identity by PCI bus", () => {
  assert.match(refusal("gpu:0", LAVAPIPE, false)!, /^gpu:0: the only WebGPU adapter is llvmpipe .*software renderer.*Vulkan driver.*devices: \[cpu\].*ICHIGO_ALLOW_SOFTWARE_GPU=1/);
  assert.equal(refusal("gpu:0", LAVAPIPE, true), undefined);
  assert.match(refusal("gpu:3", { vulkan: [], vulkanError: "no Vulkan driver", pid: 1 }, true)!, /gpu:3: no WebGPU adapter in its process \(no Vulkan driver\)/);
  assert.equal(refusal("gpu:0", gpu("NVIDIA H200", "0000:01:00.0"), false), undefined);
  assert.equal(adapterIdentity(gpu("NVIDIA H200", "0000:01:00.0")), "PCI 0000:01:00.0");
  assert.equal(adapterIdentity(gpu("NVIDIA H200")), "NVIDIA H200 0x10de:0x2335");
  assert.match(describeReport("gpu:1", gpu("NVIDIA H200", "0000:41:00.0")), /^gpu:1 \(process 1\): NVIDIA H200 \[hardware\], PCI 0000:41:00\.0, shader-f16; 1 Vulkan device\(s\) visible$/);
});

Deno.test("adapter check: two gpu:N on one physical GPU are refused; identical GPUs on their own buses are not", () => {
  const two = (a: AdapterReport, b: AdapterReport) => duplicate(new Map([["gpu:0", a], ["gpu:1", b]]));
  assert.equal(two(gpu("NVIDIA H200", "0000:01:00.0"), gpu("NVIDIA H200", "0000:41:00.0")), undefined);
  assert.match(two(gpu("NVIDIA H200", "0000:01:00.0"), gpu("NVIDIA H200", "0000:01:00.0"))!, /gpu:0 and gpu:1 got the same adapter \(PCI 0000:01:00\.0\)/);
  // Not narrowed to one device (no device-select layer): both take the first of 4 identical GPUs.
  assert.match(two(gpu("NVIDIA H200", undefined, 4), gpu("NVIDIA H200", undefined, 4))!, /same adapter \(one of 4 devices named NVIDIA H200.*not narrowed to one GPU/);
  assert.match(two(LAVAPIPE, LAVAPIPE)!, /same adapter \(llvmpipe/);
});

Deno.test("device env: GPUs listed in PCI order; gpu:N narrowed to its bus through Mesa's device-select layer", () => {
  const dirs: Record<string, string[]> = { "/proc/driver/nvidia/gpus": ["0000:41:00.0", "0000:01:00.0"] };
  assert.deepEqual(hostGpus((d) => dirs[d] ?? []), ["0000:01:00.0", "0000:41:00.0"]);
  const sys: Record<string, string> = {
    "/sys/bus/pci/devices/0000:00:02.0/class": "0x030000\n", "/sys/bus/pci/devices/0000:00:02.0/vendor": "0x1234\n", // emulated VGA
    "/sys/bus/pci/devices/0000:65:00.0/class": "0x030200\n", "/sys/bus/pci/devices/0000:65:00.0/vendor": "0x10de\n",
    "/sys/bus/pci/devices/0000:00:01.0/class": "0x020000\n", "/sys/bus/pci/devices/0000:00:01.0/vendor": "0x10de\n",
  };
  const sysDirs = (d: string) => d === "/sys/bus/pci/devices" ? ["0000:00:02.0", "0000:65:00.0", "0000:00:01.0"] : [];
  assert.deepEqual(hostGpus(sysDirs, (f) => sys[f]), ["0000:65:00.0"]);
  assert.equal(driPrimeTag("0000:41:00.0"), "pci-0000_41_00_0");
  const env = gpuEnvironment(1, { PATH: "/bin" }, "0000:41:00.0");
  assert.equal(env.DRI_PRIME, "pci-0000_41_00_0");
  assert.equal(env.MESA_VK_DEVICE_SELECT_FORCE_DEFAULT_DEVICE, "1");
  assert.equal(env.CUDA_VISIBLE_DEVICES, "1");
  assert.equal(gpuEnvironment(0, {}).DRI_PRIME, undefined);
});

// The real probe on this machine: no GPU, so gpu:0 gets a software renderer (lavapipe) or no adapter.
Deno.test("CLI: gpu:0 on a machine without a GPU is refused with exit 2 and one line; nothing is written", async () => {
  const dir = await Deno.makeTempDir();
  const cfg = makeJob(dir, 4, { devices: ["gpu:0"] });
  const r = await runCli(["--config", cfg, "--engine-module", FAKES]);
  assert.equal(r.code, 2, r.stderr);
  const errors = r.stderr.split("\n").filter((l) => l.startsWith("error:"));
  assert.equal(errors.length, 1, r.stderr);
  assert.match(errors[0], /processing\.devices: gpu:0: (the only WebGPU adapter is .*software renderer|no WebGPU adapter).*install the GPU's Vulkan driver.*devices: \[cpu\]/);
  const written = [...Deno.readDirSync(`${dir}/out`)].filter((e) => e.name.startsWith("audio_tokens"));
  assert.equal(written.length, 0);
});

Deno.test("CLI: with the opt-in, gpu:0 runs on lavapipe with a warning; gpu:0 and gpu:1 on it are the same adapter", async () => {
  const probe = await import("../../deno/adapter_probe.ts").then((m) => m.probeAdapter());
  if (probe.adapter?.kind !== "software" || !probe.vulkan.length) return; // needs lavapipe (scripts/test.sh installs it)
  const dir = await Deno.makeTempDir();
  const cfg = makeJob(dir, 4, { devices: ["gpu:0"] });
  const ok = await runCli(["--config", cfg, "--engine-module", FAKES], { ICHIGO_ALLOW_SOFTWARE_GPU: "1" });
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stderr, /gpu:0 runs on llvmpipe.*software renderer.*ICHIGO_ALLOW_SOFTWARE_GPU is set/);
  const cfg2 = makeJob(await Deno.makeTempDir(), 4, { devices: ["gpu:0", "gpu:1"] });
  const dup = await runCli(["--config", cfg2, "--engine-module", FAKES], { ICHIGO_ALLOW_SOFTWARE_GPU: "1" });
  assert.equal(dup.code, 2, dup.stderr);
  assert.match(dup.stderr, /error: processing\.devices: gpu:0 and gpu:1 got the same adapter \(llvmpipe/);
});

Deno.test("CLI: two made-up GPUs reporting one PCI bus are refused", async () => {
  const cfg = makeJob(await Deno.makeTempDir(), 4, { devices: ["gpu:0", "gpu:1"] });
  const r = await runCli(["--config", cfg, "--engine-module", FAKES], { ICHIGO_ADAPTER_PROBE: FAKE_PROBE, ICHIGO_FAKE_SAME_GPU: "1" });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /gpu:0 and gpu:1 got the same adapter \(PCI 0000:01:00\.0\)/);
});
