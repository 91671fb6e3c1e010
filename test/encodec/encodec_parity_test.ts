// The ONNX EnCodec graphs reproduce upstream's math (as written independently in models/encodec/reference.ts)
// on random weights, for both checkpoint layouts and awkward lengths.
import assert from "node:assert/strict";
import * as ort from "onnxruntime-node";
import { loadCheckpoint } from "../../models/checkpoint/load_checkpoint.ts";
import { safetensorsSave, stateDict, torchSave } from "../helpers/torch_save.ts";
import { buildDecoder, buildEncoder } from "../../models/encodec/graph.ts";
import { MICRO_ENCODEC, randomEncodecStateDict, seededRandom } from "../../models/encodec/random_weights.ts";
import { decode, encodeEmbeddings, quantize } from "../../models/encodec/reference.ts";
import { readEncodec } from "../../models/encodec/weights.ts";

function signal(n: number, seed: number): Float32Array {
  const r = seededRandom(seed);
  return Float32Array.from({ length: n }, (_, i) => 0.5 * Math.sin(i / 7) + 0.3 * r());
}

const original = readEncodec(loadCheckpoint(torchSave(stateDict(randomEncodecStateDict(MICRO_ENCODEC, 7, "original"))), "orig.th").tensors);
const hf = readEncodec(loadCheckpoint(safetensorsSave(randomEncodecStateDict(MICRO_ENCODEC, 7, "huggingface")), "model.safetensors").tensors);

Deno.test("both checkpoint layouts give the same normalized weights", () => {
  assert.equal(original.layout, "original");
  assert.equal(hf.layout, "huggingface");
  assert.equal(original.hop, 320);
  assert.deepEqual(original.codebooks[1], hf.codebooks[1]);
  const a = original.encoder[3], b = hf.encoder[3];
  assert.ok(a.kind === "conv" && b.kind === "conv");
  assert.deepEqual(a.conv.weight, b.conv.weight);
  assert.equal(a.conv.stride, 2);
});

for (const [name, w] of [["original .th", original], ["HF safetensors", hf]] as const) {
  Deno.test(`encoder graph (${name}) = reference: codes identical, embeddings within 1e-4, lengths 1/319/320/321/24001`, async () => {
    const nq = 2;
    const session = await ort.InferenceSession.create(buildEncoder(w, nq));
    for (const L of [1, 319, 320, 321, 24001]) {
      const pcm = signal(L, L);
      const out = await session.run({ input_values: new ort.Tensor("float32", pcm, [1, 1, L]) });
      const T = Math.ceil(L / 320);
      assert.deepEqual(out.audio_codes.dims, [1, nq, T], `L=${L}`);
      const refEmb = encodeEmbeddings(w, pcm);
      const emb = out.embeddings.data as Float32Array;
      let maxDiff = 0;
      for (let d = 0; d < w.dim; d++) for (let t = 0; t < T; t++) maxDiff = Math.max(maxDiff, Math.abs(emb[d * T + t] - refEmb[d][t]));
      assert.ok(maxDiff < 1e-4, `L=${L}: embeddings differ by ${maxDiff}`);
      const refCodes = quantize(w, refEmb, nq);
      const codes = Array.from(out.audio_codes.data as BigInt64Array, Number);
      assert.deepEqual(codes, refCodes.flatMap((c) => Array.from(c)), `L=${L}: codes`);
      if (L > 3000) assert.ok(new Set(codes).size > 10, "codes are not degenerate");
    }
    await session.release();
  });
}

Deno.test("batched encoding equals one-by-one (causal codec, right zero-padding)", async () => {
  const session = await ort.InferenceSession.create(buildEncoder(original, 2));
  const a = signal(960, 1), b = signal(960, 2);
  const both = new Float32Array(1920);
  both.set(a);
  both.set(b, 960);
  const out = await session.run({ input_values: new ort.Tensor("float32", both, [2, 1, 960]) });
  const one = await session.run({ input_values: new ort.Tensor("float32", b, [1, 1, 960]) });
  assert.deepEqual(Array.from(out.audio_codes.data as BigInt64Array).slice(6), Array.from(one.audio_codes.data as BigInt64Array));
  await session.release();
});

Deno.test("decoder graph = reference within 1e-4", async () => {
  const nq = 2, T = 9;
  const r = seededRandom(3);
  const codes = Array.from({ length: nq }, () => Int32Array.from({ length: T }, () => Math.floor((r() + 1) * 511.9)));
  const session = await ort.InferenceSession.create(buildDecoder(original, nq));
  const out = await session.run({ audio_codes: new ort.Tensor("int64", BigInt64Array.from(codes.flatMap((c) => Array.from(c, BigInt))), [1, nq, T]) });
  assert.deepEqual(out.audio_values.dims, [1, 1, 320 * T]);
  const ref = decode(original, codes);
  const y = out.audio_values.data as Float32Array;
  let maxDiff = 0;
  for (let i = 0; i < ref.length; i++) maxDiff = Math.max(maxDiff, Math.abs(y[i] - ref[i]));
  assert.ok(maxDiff < 1e-4, `waveform differs by ${maxDiff}`);
  await session.release();
});
