// fp16 decoder graphs (T2S, S2A; micro, seeded random weights) on WebGPU against their fp32 graphs: the first
// step's logits within 1% of the fp32 logits' spread (measured 0.16-0.18% on lavapipe), and float16 weights
// in the graph. Needs a WebGPU adapter (lavapipe has shader-f16).
import assert from "node:assert/strict";
import { loadOrt } from "../../deno/ort_runtime.ts";
import { firstStepErrors, models } from "../../bench/fp16_agreement.ts";
import { T2S_DECODER } from "../../models/whisperspeech/contract.ts";

const adapter = await (navigator as { gpu?: { requestAdapter(): Promise<{ features: Set<string> } | null> } }).gpu?.requestAdapter()
  .catch(() => null);

Deno.test("fp16 decoder graphs are half the fp32 size (float16 weights)", async () => {
  const build = models("micro", "micro", 8);
  const fp32 = await build("fp32").t2s.read(T2S_DECODER.file), fp16 = await build("fp16").t2s.read(T2S_DECODER.file);
  assert.ok(fp16.length < 0.6 * fp32.length, `fp16 ${fp16.length} bytes, fp32 ${fp32.length}`);
});

Deno.test({
  name: "fp16 decoder graphs on WebGPU: first-step logits within 1% of fp32's spread (T2S, S2A)",
  ignore: !adapter?.features.has("shader-f16"),
}, async () => {
  const rt = await loadOrt("webgpu");
  assert.equal(rt.provider, "webgpu", rt.description);
  const e = await firstStepErrors(rt, "micro", "micro");
  assert.ok(e.t2s > 0 && e.s2a > 0, `fp16 gave fp32's logits exactly: not fp16 (${JSON.stringify(e)})`);
  assert.ok(e.t2s < 0.01 && e.s2a < 0.01, JSON.stringify(e));
});
