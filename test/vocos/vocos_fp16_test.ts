// The fp16 Vocos graph (float16 codebook table and Linear weights; convolutions, norms and ISTFT float32) against
// the fp32 one on wasm: smaller and close (waveform SNR; the real-size figure is bench/vocos_fp16.ts's).
import assert from "node:assert/strict";
import { loadOrt } from "../../deno/ort_runtime.ts";
import { snrDb } from "../../bench/vocos_fp16.ts";
import { loadCheckpoint } from "../../models/checkpoint/load_checkpoint.ts";
import { stateDict, torchSave } from "../../models/checkpoint/writer.ts";
import { seededRandom } from "../../models/encodec/random_weights.ts";
import { buildVocos } from "../../models/vocos/graph.ts";
import { MID_VOCOS, randomVocosStateDict } from "../../models/vocos/random_weights.ts";
import { Vocoder } from "../../models/vocos/vocoder.ts";
import { readVocos } from "../../models/vocos/weights.ts";
import { convertVocos } from "../../models/vocos/convert.ts";

Deno.test("fp16 Vocos: smaller graph, waveform within 40 dB SNR of fp32 (wasm, mid size)", async () => {
  const w = readVocos(loadCheckpoint(torchSave(stateDict(randomVocosStateDict(MID_VOCOS, 8)))), "vocos");
  const fp32 = buildVocos(w), fp16 = buildVocos(w, "fp16");
  assert.ok(fp16.length < 0.8 * fp32.length, `fp16 ${fp16.length} bytes, fp32 ${fp32.length}`);
  const r = seededRandom(3), frames = 40;
  const codes = Int32Array.from({ length: 4 * frames }, () => Math.floor(((r() + 1) / 2) * 1024));
  const rt = await loadOrt("wasm");
  const waves = [];
  for (const graph of [fp32, fp16]) {
    const v = await Vocoder.create(rt, graph);
    waves.push(await v.decode(codes, 4, frames));
    await v.dispose();
  }
  const snr = snrDb(waves[0], waves[1]);
  assert.ok(snr > 40 && snr < 200, `SNR ${snr} dB`); // < 200: not the fp32 graph twice
});

Deno.test("the Vocos converter writes the fp16 twin, and precision fp16 opens it (fp32 the fp32 graph)", async () => {
  const ck = loadCheckpoint(torchSave(stateDict(randomVocosStateDict(MID_VOCOS, 9))));
  const { files, descriptor } = convertVocos(ck, { sourceSha256: "", label: "vocos" });
  const model = { descriptor, read: (f: string) => Promise.resolve(files[f]) };
  const w = readVocos(ck, "vocos");
  const r = seededRandom(4), frames = 20;
  const codes = Int32Array.from({ length: 4 * frames }, () => Math.floor(((r() + 1) / 2) * 1024));
  const rt = await loadOrt("wasm");
  const wave = async (v: Vocoder) => {
    const out = await v.decode(codes, 4, frames);
    await v.dispose();
    return out;
  };
  assert.deepEqual(await wave(await Vocoder.create(rt, model, "vocos", "fp16")), await wave(await Vocoder.create(rt, buildVocos(w, "fp16"))));
  assert.deepEqual(await wave(await Vocoder.create(rt, model, "vocos", "fp32")), await wave(await Vocoder.create(rt, buildVocos(w))));
  const older = { ...model, descriptor: { ...descriptor, converter: "vocos@2", graphs: { vocos: "vocos.onnx" } } };
  await assert.rejects(Vocoder.create(rt, older, "models.vocos", "fp16"), /models\.vocos: converted without an fp16 graph \(converter vocos@2\)/);
});
