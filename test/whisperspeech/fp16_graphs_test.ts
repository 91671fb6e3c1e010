// fp16 decoder graphs (T2S, S2A; micro, seeded random weights) on WebGPU against their fp32 graphs: the first
// step's logits within 1% of the fp32 logits' spread (measured 0.16-0.18% on lavapipe), and float16 weights
// in the graph. Needs a WebGPU adapter (lavapipe has shader-f16).
import assert from "node:assert/strict";
import { loadOrt } from "../../deno/ort_runtime.ts";
import { firstStepErrors, models } from "../../bench/fp16_agreement.ts";
import { T2S_DECODER } from "../../models/whisperspeech/contract.ts";
import { halfBits, toHalfBits } from "../../models/whisperspeech/graph_common.ts";

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

Deno.test("half bits without Float16Array (older browsers) = Float16Array's, random bit patterns and edge cases", () => {
  const d = Float32Array.from([0, -0, 1, -2.5, 65504, 65519, 65520, 6.1e-5, 6.09e-5, 5.96e-8, 2.98e-8, 1e-9, Infinity, -Infinity]);
  const bits = new Uint32Array(200_000).map((_, i) => Math.imul(i + 1, 2654435761) >>> 0);
  for (const set of [new Uint32Array(d.buffer), bits]) {
    const expected = toHalfBits(new Float32Array(set.buffer));
    set.forEach((f, i) => {
      const isNaN = (f & 0x7f800000) === 0x7f800000 && (f & 0x7fffff) !== 0;
      if (!isNaN) assert.equal(halfBits(f), expected[i], `float bits ${f.toString(16)}`);
    });
  }
});
