// Vocos graph vs the naive reference on random weights (within 1e-4), awkward frame counts, codes 1024/1025,
// every bandwidth row, cpu and wasm; conversion from a torch.save'd checkpoint (fp32 and fp16) and bad input.
import assert from "node:assert/strict";
import { loadOrt } from "../../deno/ort_runtime.ts";
import { loadCheckpoint } from "../../models/checkpoint/load_checkpoint.ts";
import { stateDict, torchSave } from "../../models/checkpoint/writer.ts";
import { ModelError } from "../../core/errors.ts";
import { converterFor } from "../../models/convert/registry.ts";
import { seededRandom } from "../../models/encodec/random_weights.ts";
import { convertVocos } from "../../models/vocos/convert.ts";
import { MICRO_VOCOS, randomVocosStateDict } from "../../models/vocos/random_weights.ts";
import { vocosReference } from "../../models/vocos/reference.ts";
import { Vocoder } from "../../models/vocos/vocoder.ts";
import { readVocos } from "../../models/vocos/weights.ts";

const file = torchSave(stateDict(randomVocosStateDict(MICRO_VOCOS, 5)));
const ck = loadCheckpoint(file, "pytorch_model.bin");
const weights = readVocos(ck, "pytorch_model.bin");
const converted = convertVocos(ck, { sourceSha256: "x", label: "pytorch_model.bin" });
const model = { descriptor: converted.descriptor, read: (f: string) => Promise.resolve((converted.files as Record<string, Uint8Array>)[f]) };

function codesFor(T: number, q: number, seed: number): number[][] {
  const r = seededRandom(seed);
  return Array.from({ length: q }, () => Array.from({ length: T }, () => Math.floor((r() + 1) / 2 * 1026)));
}

const refs = new Map<string, Float32Array>(); // the naive reference is slow: compute once for both devices

for (const device of ["cpu", "wasm"] as const) {
  Deno.test(`vocos graph = naive reference within 1e-4, T in 1, 2, 7, 9, 40 (${device})`, async () => {
    const vocoder = await Vocoder.create(await loadOrt(device), model);
    for (const [T, q] of [[1, 4], [2, 4], [7, 2], [40, 4], [9, 8]]) {
      const codes = codesFor(T, q, T * 31 + q);
      if (T === 7) codes[0][3] = 1024, codes[1][2] = 1025; // pad / not-started codes index the next book
      const audio = await vocoder.decode(Int32Array.from(codes.flat()), q, T);
      assert.equal(audio.length, 320 * T);
      const key = `${T}/${q}`;
      if (!refs.has(key)) refs.set(key, vocosReference(weights, codes, { 2: 0, 4: 1, 8: 2 }[q]!));
      const ref = refs.get(key)!;
      let d = 0, peak = 0;
      for (let i = 0; i < audio.length; i++) {
        d = Math.max(d, Math.abs(audio[i] - ref[i]));
        peak = Math.max(peak, Math.abs(ref[i]));
      }
      assert.ok(d < 1e-4 * Math.max(1, peak), `T=${T} q=${q}: max |diff| ${d} (peak ${peak})`);
      assert.ok(peak > 1e-3, "silent output proves nothing");
    }
    await vocoder.dispose();
  });
}

Deno.test("vocos: the registry picks Vocos (not the EnCodec inside it); fp16 storages convert; config.yaml n_fft checked", () => {
  const withEncodec = { ...randomVocosStateDict(MICRO_VOCOS, 6, { fp16: true }), "feature_extractor.encodec.quantizer.vq.layers.0._codebook.embed": randomVocosStateDict(MICRO_VOCOS, 6)["backbone.embed.bias"] };
  const c = loadCheckpoint(torchSave(stateDict(withEncodec)), "pytorch_model.bin");
  assert.equal(converterFor(c, "x").kind, "vocos");
  assert.equal(readVocos(c, "x").blocks.length, 2);
  const yaml = "head:\n  class_path: vocos.heads.ISTFTHead\n  init_args: {dim: 16, n_fft: 1024, hop_length: 256, padding: same}\n";
  assert.throws(() => readVocos(ck, "pytorch_model.bin", yaml), (e) => e instanceof ModelError && /n_fft 1024 does not match/.test(e.message));
  const bad = loadCheckpoint(torchSave(stateDict({ "backbone.embed.weight": randomVocosStateDict(MICRO_VOCOS, 7)["backbone.embed.weight"], "head.out.weight": randomVocosStateDict(MICRO_VOCOS, 7)["head.out.weight"] })), "v.bin");
  assert.throws(() => readVocos(bad, "v.bin"), (e) => e instanceof ModelError && /v\.bin/.test(e.message));
});
