import assert from "node:assert/strict";
import { classifyAdapter, readAdapterInfo } from "../../core/worker/adapter_kind.ts";

Deno.test("adapter kind: software renderers as they report themselves", () => {
  // Deno on Mesa (GL and Vulkan): shared/docs/runtime.md section 3.
  const llvm = classifyAdapter({ vendor: "65541", architecture: "", device: "0", description: "llvmpipe (LLVM 15.0.6, 256 bits)" });
  assert.equal(llvm.kind, "software");
  assert.equal(llvm.name, "llvmpipe (LLVM 15.0.6, 256 bits)");
  // Chromium's SwiftShader (isFallbackAdapter true, no description).
  const swift = classifyAdapter({ vendor: "google", architecture: "swiftshader", device: "", description: "", isFallbackAdapter: true });
  assert.equal(swift.kind, "software");
  assert.equal(swift.name, "google swiftshader");
  assert.equal(classifyAdapter({ vendor: "google", architecture: "swiftshader" }).kind, "software");
  assert.equal(classifyAdapter({ vendor: "65541", description: "" }).kind, "software");
  assert.equal(classifyAdapter({ description: "lavapipe" }).kind, "software");
});

Deno.test("adapter kind: GPUs are hardware; info getters are read one by one", () => {
  const nv = classifyAdapter({ vendor: "nvidia", architecture: "hopper", device: "0x2335", description: "NVIDIA H200" });
  assert.deepEqual(nv, { kind: "hardware", name: "NVIDIA H200", reason: "" });
  assert.equal(classifyAdapter({ vendor: "amd", architecture: "rdna-3" }).name, "amd rdna-3");
  assert.equal(classifyAdapter({}).name, "unnamed adapter");
  class Info {
    get vendor() { return "intel"; }
    get description() { return "Intel(R) Arc"; }
  }
  const read = readAdapterInfo({ info: new Info(), isFallbackAdapter: false });
  assert.equal(JSON.stringify(new Info()), "{}");
  assert.deepEqual(read, { vendor: "intel", architecture: undefined, device: undefined, description: "Intel(R) Arc", isFallbackAdapter: false });
  assert.equal(classifyAdapter(read).kind, "hardware");
});
