// The Vocos graph against the naive reference (models/vocos/reference.ts) on random weights: micro and mid
// sizes, T = 1, 2, 7, 75 and others, codes 1024/1025 (they index the next book), every codebook count and an
// explicit bandwidth row; cpu and wasm (and WebGPU when this process has an adapter).
import assert from "node:assert/strict";
import { loadOrt } from "../../deno/ort_runtime.ts";
import { loadCheckpoint } from "../../models/checkpoint/load_checkpoint.ts";
import { stateDict, torchSave } from "../../models/checkpoint/writer.ts";
import { InputError } from "../../core/errors.ts";
import { seededRandom } from "../../models/encodec/random_weights.ts";
import { convertVocos } from "../../models/vocos/convert.ts";
import { MICRO_VOCOS, MID_VOCOS, randomVocosStateDict, type VocosSize } from "../../models/vocos/random_weights.ts";
import { vocosReference } from "../../models/vocos/reference.ts";
import { BANDWIDTH_ID, Vocoder } from "../../models/vocos/vocoder.ts";
import { readVocos } from "../../models/vocos/weights.ts";
import { VOCOS } from "../../models/whisperspeech/contract.ts";

function build(size: VocosSize, seed: number) {
  const ck = loadCheckpoint(torchSave(stateDict(randomVocosStateDict(size, seed))), "pytorch_model.bin");
  return { weights: readVocos(ck, "pytorch_model.bin"), graph: convertVocos(ck, { sourceSha256: "x", label: "pytorch_model.bin" }).files[VOCOS.file] };
}
const MODELS = { micro: build(MICRO_VOCOS, 5), mid: build(MID_VOCOS, 8) };

/** codes[q][t] in 0..1025, or below 1024 where q is the last book (1024 + 1024*15 is past the table). */
function codesFor(T: number, q: number, seed: number): number[][] {
  const r = seededRandom(seed);
  return Array.from({ length: q }, (_, i) => Array.from({ length: T }, () => Math.floor(((r() + 1) / 2) * (i === 15 ? 1024 : 1026))));
}

// [model, T, codebooks, bandwidth row (undefined = the one for that count)]
const CASES: [keyof typeof MODELS, number, number, number?][] = [
  ["micro", 1, 4], ["micro", 2, 4], ["micro", 7, 2], ["micro", 75, 4], ["micro", 9, 8], ["micro", 5, 16], ["micro", 3, 4, 3],
  ["mid", 1, 4], ["mid", 7, 4], ["mid", 75, 4],
];
const refs = new Map<string, Float32Array>(); // the naive reference is slow: compute once for every provider

function compare(audio: Float32Array, ref: Float32Array, what: string) {
  assert.equal(audio.length, ref.length, `${what}: length`);
  let d = 0, peak = 0;
  for (let i = 0; i < audio.length; i++) {
    d = Math.max(d, Math.abs(audio[i] - ref[i]));
    peak = Math.max(peak, Math.abs(ref[i]));
  }
  assert.ok(d < 1e-4 * Math.max(1, peak), `${what}: max |diff| ${d} (peak ${peak})`);
  assert.ok(peak > 1e-3, `${what}: silent output proves nothing`);
}

const adapter = await (navigator as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu?.requestAdapter().catch(() => null);

for (const device of ["cpu", "wasm", "webgpu"] as const) {
  const what = device === "webgpu" ? "T 1/7/75, micro" : "T 1/2/3/5/7/9/75, 2-16 books, micro + mid";
  Deno.test({ name: `vocos graph = naive reference within 1e-4, ${what} (${device})`, ignore: device === "webgpu" && !adapter }, async () => {
    const rt = await loadOrt(device);
    assert.equal(rt.provider, device);
    const vocoders = { micro: await Vocoder.create(rt, MODELS.micro.graph), mid: await Vocoder.create(rt, MODELS.mid.graph) };
    // WebGPU runs in software here (lavapipe): a few micro cases prove the ops are there and right.
    for (const [model, T, q, bw] of CASES.filter(([m, T, q]) => device !== "webgpu" || (m === "micro" && [1, 7, 75].includes(T) && q !== 16))) {
      const codes = codesFor(T, q, T * 31 + q);
      if (T === 7) codes[0][3] = 1024, codes[1][2] = 1025, codes[0][6] = 1025; // pad / not-started codes index the next book
      const key = `${model}/${T}/${q}/${bw}`;
      if (!refs.has(key)) refs.set(key, vocosReference(MODELS[model].weights, codes, bw ?? BANDWIDTH_ID[q]));
      compare(await vocoders[model].decode(Int32Array.from(codes.flat()), q, T, bw), refs.get(key)!, `${device} ${key}`);
    }
    await vocoders.micro.dispose();
    await vocoders.mid.dispose();
  });
}

Deno.test("vocos graph: a batch of 2 equal-length items = each alone; audio_values is [B, 320 T]", async () => {
  const rt = await loadOrt("cpu");
  const session = await rt.createSession(MODELS.micro.graph);
  const T = 6, a = codesFor(T, 4, 1).flat(), b = codesFor(T, 4, 2).flat();
  const run = async (codes: number[], B: number) =>
    (await session.run({
      [VOCOS.inputs.audioCodes]: new rt.Tensor("int64", BigInt64Array.from(codes, BigInt), [B, 4, T]),
      [VOCOS.inputs.bandwidthId]: new rt.Tensor("int64", BigInt64Array.from([1n]), [1]),
    }))[VOCOS.output];
  const both = await run([...a, ...b], 2);
  assert.deepEqual(both.dims, [2, 320 * T]);
  const data = both.data as Float32Array;
  for (const [i, one] of [(await run(a, 1)).data, (await run(b, 1)).data].entries()) {
    const row = data.subarray(i * 320 * T, (i + 1) * 320 * T);
    assert.ok(row.every((v, j) => Math.abs(v - (one as Float32Array)[j]) < 1e-6), `row ${i}`);
  }
  await session.release();
});

Deno.test("Vocoder rejects codes it cannot index and odd codebook counts with InputError", async () => {
  const vocoder = await Vocoder.create(await loadOrt("cpu"), MODELS.micro.graph);
  const last = new Int32Array(16 * 2);
  last[15 * 2] = 1024; // book 15, row 1024 -> 16384: past the table (PyTorch raises too)
  await assert.rejects(vocoder.decode(last, 16, 2), (e) => e instanceof InputError && /code 1024 in codebook 15/.test(e.message));
  await assert.rejects(vocoder.decode(new Int32Array(6), 3, 2), (e) => e instanceof InputError && /2, 4, 8 or 16 codebooks/.test(e.message));
  await assert.rejects(vocoder.decode(new Int32Array(7), 4, 2), (e) => e instanceof InputError && /7 codes/.test(e.message));
  await assert.rejects(vocoder.decode(Int32Array.from([0, -1, 0, 0]), 2, 2), InputError);
  await vocoder.dispose();
});
