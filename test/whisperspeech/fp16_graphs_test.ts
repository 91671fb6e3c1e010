// fp16 graphs (T2S, S2A; micro, seeded random weights) against their fp32 graphs: float16 weights and float16
// K/V in and out of the graphs, the first step's logits within 1% of the fp32 logits' spread, and greedy
// generation through KvBatch with float16 caches (CPU slabs on wasm, GPU buffers on WebGPU) keeping every step's
// logits close while both runs decode the same inputs. onnxruntime-node's cpu EP is left out: Deno's N-API
// aborts on its float16 tensors (precision fp16 is refused on cpu anyway). WebGPU cases need an adapter with
// shader-f16 (lavapipe has it).
import assert from "node:assert/strict";
import onnxProto from "onnx-proto";
import { loadOrt } from "../../deno/ort_runtime.ts";
import { firstStepErrors, fp16Agreement, models } from "../../bench/fp16_agreement.ts";
import { S2A_DECODER, S2A_ENCODER, T2S_DECODER, T2S_ENCODER } from "../../models/whisperspeech/contract.ts";
import { fp16File } from "../../models/whisperspeech/converters.ts";
import { halfBits, toHalfBits } from "../../models/whisperspeech/graph_common.ts";

const adapter = await (navigator as { gpu?: { requestAdapter(): Promise<{ features: Set<string> } | null> } }).gpu?.requestAdapter()
  .catch(() => null);
const noF16 = !adapter?.features.has("shader-f16");

const FLOAT = 1, FLOAT16 = 10;
type ValueInfo = { name: string; type: { tensorType: { elemType: number } } };

/** Element type of each graph input and output, by name. */
function ioTypes(bytes: Uint8Array): Map<string, number> {
  const g = onnxProto.onnx.ModelProto.decode(bytes).graph!;
  return new Map([...(g.input ?? []), ...(g.output ?? [])].map((v) => [(v as ValueInfo).name, (v as ValueInfo).type.tensorType.elemType]));
}

Deno.test("fp16 graphs are about half the fp32 size (float16 weights)", async () => {
  const m = models("micro", "micro", 8);
  // The encoder keeps its float32 causal mask (550 x 550) and positions: a third of it at micro size, little at real sizes.
  for (const [file, most] of [[T2S_ENCODER.file, 0.8], [T2S_DECODER.file, 0.6]] as const) {
    const fp32 = await m.t2s.read(file), fp16 = await m.t2s.read(fp16File(file));
    assert.ok(fp16.length < most * fp32.length, `${file}: fp16 ${fp16.length} bytes, fp32 ${fp32.length}`);
  }
});

Deno.test("fp16 graphs take and give float16 K/V (self-attention cache, step K/V, cross K/V); fp32 graphs float32", async () => {
  const m = models("micro", "micro", 8);
  for (const [model, enc, dec] of [[m.t2s, T2S_ENCODER, T2S_DECODER], [m.s2a, S2A_ENCODER, S2A_DECODER]] as const) {
    for (const [suffix, want] of [["", FLOAT], ["_fp16", FLOAT16]] as const) {
      const file = (f: string) => f.replace(/\.onnx$/, `${suffix}.onnx`);
      const e = ioTypes(await model.read(file(enc.file))), d = ioTypes(await model.read(file(dec.file)));
      const names = [...e.keys(), ...d.keys()].filter((n) => /^(encoder_kv|past_key_values|step_kv)\./.test(n));
      assert.ok(names.length >= 6 * 2, names.join());
      for (const n of names) assert.equal(e.get(n) ?? d.get(n), want, `${file(dec.file)}: ${n}`);
      assert.equal(d.get(dec.logits), FLOAT, "logits stay float32");
      assert.equal(d.get(dec.inputs.attentionMask), FLOAT);
    }
  }
});

Deno.test("fp16 graphs on wasm: first-step logits within 1% of fp32's spread, greedy steps close (float16 CPU caches)", async () => {
  const a = await fp16Agreement("wasm", "micro", "micro", 16, 16);
  const { t2s, s2a, firstStepLogits: f } = a;
  assert.ok(f && f.t2s > 0 && f.s2a > 0, `fp16 gave fp32's logits exactly: not fp16 (${JSON.stringify(a)})`);
  assert.ok(f.t2s < 0.01 && f.s2a < 0.01, JSON.stringify(a));
  assert.equal(t2s?.steps, 16, JSON.stringify(a));
  assert.ok(s2a && s2a.steps >= 16, JSON.stringify(a));
  // Every step decoded on equal inputs (up to the first flipped near-tie) keeps its logits close to fp32's.
  assert.ok(t2s!.logitsError < 0.01 && s2a!.logitsError < 0.01, JSON.stringify(a));
});

Deno.test({
  name: "fp16 graphs on WebGPU: first-step logits within 1% of fp32's spread (T2S, S2A)",
  ignore: noF16,
}, async () => {
  const rt = await loadOrt("webgpu");
  assert.equal(rt.provider, "webgpu", rt.description);
  const e = await firstStepErrors(rt, "micro", "micro");
  assert.ok(e.t2s > 0 && e.s2a > 0, `fp16 gave fp32's logits exactly: not fp16 (${JSON.stringify(e)})`);
  assert.ok(e.t2s < 0.01 && e.s2a < 0.01, JSON.stringify(e));
});

Deno.test({
  name: "fp16 greedy generation on WebGPU (float16 caches in GPU buffers): logits close while inputs are equal",
  ignore: noF16,
}, async () => {
  const a = await fp16Agreement("webgpu", "micro", "micro", 16, 16, "t2s");
  const b = await fp16Agreement("webgpu", "micro", "micro", 0, 16, "s2a");
  assert.equal(a.t2s?.steps, 16, JSON.stringify(a));
  assert.ok(b.s2a && b.s2a.steps >= 16, JSON.stringify(b));
  // Measured 0.26% (T2S) and 0.80% (S2A) on lavapipe: float16 products over the caches (README, fp16).
  assert.ok(a.t2s!.logitsError < 0.02 && b.s2a!.logitsError < 0.02, JSON.stringify([a, b]));
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
