// processing.precision: fp32 (default) | auto | fp16. fp16 only where it can run (WebGPU with shader-f16); asked for
// anywhere else it is one clear error naming the key (a ConfigError: exit 2).
import assert from "node:assert/strict";
import { loadConfig } from "../../core/config/load.ts";
import { ConfigError } from "../../core/errors.ts";
import { fp16Refusal } from "../../deno/adapter_check.ts";
import type { AdapterReport } from "../../deno/adapter_probe.ts";
import type { OrtRuntime } from "../../models/onnx/runtime.ts";
import { decoderPrecision } from "../../models/whisperspeech/load.ts";

const yaml = (processing: string) => `dataset: {name: data.csv}\nprocessing: {${processing}}\n`;

Deno.test("processing.precision: default fp32 (fp16 changes tokens); fp16 with a cpu or wasm device is refused naming the key", () => {
  assert.equal(loadConfig(yaml("devices: [gpu:0]")).processing.precision, "fp32");
  assert.equal(loadConfig(yaml("devices: [gpu:0], precision: auto")).processing.precision, "auto");
  assert.equal(loadConfig(yaml("devices: [gpu:0], precision: fp16")).processing.precision, "fp16");
  assert.equal(loadConfig(yaml("devices: [cpu], precision: fp32")).processing.precision, "fp32");
  for (const d of ["cpu", "wasm"]) {
    assert.throws(() => loadConfig(yaml(`devices: [gpu:0, ${d}], precision: fp16`)), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, new RegExp(`^processing\\.precision: fp16 runs on WebGPU only .*${d} is always fp32`));
      return true;
    });
  }
  assert.throws(() => loadConfig(yaml("precision: fp8"), { source: "c.yaml" }), (e: unknown) => e instanceof ConfigError && /precision/.test(e.message));
});

const rt = (provider: OrtRuntime["provider"], fp16: boolean) => ({ provider, fp16, description: `${provider} (test)` }) as OrtRuntime;

Deno.test("decoder precision per worker: auto = fp16 on WebGPU with shader-f16, else fp32; explicit fp16 elsewhere refused", () => {
  assert.equal(decoderPrecision("auto", rt("webgpu", true)), "fp16");
  assert.equal(decoderPrecision(undefined, rt("webgpu", true)), "fp32", "unset: fp32, as the config's default");
  assert.equal(decoderPrecision("auto", rt("webgpu", false)), "fp32");
  assert.equal(decoderPrecision("fp32", rt("webgpu", true)), "fp32");
  assert.equal(decoderPrecision("auto", rt("cpu", true)), "fp32"); // onnxruntime-node could run fp16; cpu stays fp32
  assert.equal(decoderPrecision("auto", rt("wasm", true)), "fp32");
  for (const r of [rt("webgpu", false), rt("cpu", true), rt("wasm", true)]) {
    assert.throws(() => decoderPrecision("fp16", r), (e: unknown) => e instanceof ConfigError && /^processing\.precision: fp16 needs WebGPU with shader-f16/.test(e.message));
  }
});

Deno.test("gpu:N with precision fp16 on an adapter without shader-f16 is refused at start", () => {
  const report = (shaderF16: boolean) => ({ adapter: { name: "GPU X", kind: "hardware", shaderF16 } }) as unknown as AdapterReport;
  assert.match(fp16Refusal("gpu:1", report(false), "fp16")!, /^gpu:1: processing\.precision is fp16 but GPU X has no shader-f16/);
  assert.equal(fp16Refusal("gpu:1", report(true), "fp16"), undefined);
  assert.equal(fp16Refusal("gpu:1", report(false), "auto"), undefined);
  assert.match(fp16Refusal("webgpu", { vulkan: [] } as unknown as AdapterReport, "fp16")!, /no WebGPU adapter/);
});
