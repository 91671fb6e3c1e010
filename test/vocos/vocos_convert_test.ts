// Vocos conversion from torch.save'd checkpoints written here: fp32 and fp16 storages, the EnCodec-layout
// codebooks, config.yaml (hop, n_fft and sizes checked; passed by the model store from beside the file), the
// registry telling Vocos from EnCodec, and clear errors for other architectures.
import assert from "node:assert/strict";
import { ModelError } from "../../core/errors.ts";
import { loadConverted } from "../../deno/model_store.ts";
import { loadOrt } from "../../deno/ort_runtime.ts";
import { loadCheckpoint } from "../../models/checkpoint/load_checkpoint.ts";
import { f32, stateDict, type TensorSpec, torchSave } from "../../models/checkpoint/writer.ts";
import { converterFor } from "../../models/convert/registry.ts";
import { MICRO_ENCODEC, randomEncodecStateDict } from "../../models/encodec/random_weights.ts";
import { convertVocos } from "../../models/vocos/convert.ts";
import { MICRO_VOCOS, randomVocosStateDict } from "../../models/vocos/random_weights.ts";
import { vocosReference } from "../../models/vocos/reference.ts";
import { Vocoder } from "../../models/vocos/vocoder.ts";
import { readVocos } from "../../models/vocos/weights.ts";
import { VOCOS } from "../../models/whisperspeech/contract.ts";

const load = (sd: Record<string, TensorSpec>, name = "pytorch_model.bin") => loadCheckpoint(torchSave(stateDict(sd)), name);
/** config.yaml as the Hub ships it (Vocos.from_hparams layout), at the micro size. */
const configYaml = (o: { dim?: number; nFft?: number; hop?: number; padding?: string } = {}) => `feature_extractor:
  class_path: vocos.feature_extractors.EncodecFeatures
  init_args: {encodec_model: encodec_24khz, bandwidths: [1.5, 3.0, 6.0, 12.0], train_codebooks: false}
backbone:
  class_path: vocos.models.VocosBackbone
  init_args: {input_channels: 128, dim: ${o.dim ?? 16}, intermediate_dim: 32, num_layers: 2, adanorm_num_embeddings: 4}
head:
  class_path: vocos.heads.ISTFTHead
  init_args: {dim: 16, n_fft: ${o.nFft ?? 1280}, hop_length: ${o.hop ?? 320}, padding: ${o.padding ?? "same"}}
`;
const codes = (T: number) => Int32Array.from({ length: 4 * T }, (_, i) => (i * 389 + 11) % 1026);

async function graphVsReference(ck: ReturnType<typeof load>, yaml: string | undefined, T: number) {
  const { files, descriptor } = convertVocos(ck, { sourceSha256: "s", label: "pytorch_model.bin", configYaml: yaml });
  const w = readVocos(ck, "pytorch_model.bin", yaml);
  const vocoder = await Vocoder.create(await loadOrt("cpu"), { descriptor, read: (f) => Promise.resolve(files[f]) });
  const c = codes(T), audio = await vocoder.decode(c, 4, T);
  await vocoder.dispose();
  const ref = vocosReference(w, Array.from({ length: 4 }, (_, q) => Array.from(c.subarray(q * T, (q + 1) * T))), 1);
  assert.equal(audio.length, w.hop * T);
  const d = audio.reduce((m, v, i) => Math.max(m, Math.abs(v - ref[i])), 0);
  assert.ok(d < 1e-4, `max |diff| ${d}`);
  return descriptor;
}

for (const fp16 of [false, true]) {
  Deno.test(`vocos converter round trip from torch.save (${fp16 ? "fp16" : "fp32"} storages): detected, values kept, graph = reference`, async () => {
    const sd = randomVocosStateDict(MICRO_VOCOS, 6, { fp16 });
    const ck = load(sd);
    const conv = converterFor(ck, "pytorch_model.bin");
    assert.equal(conv.kind, "vocos");
    assert.equal(conv.id, "vocos@3");
    const w = readVocos(ck, "pytorch_model.bin");
    for (const [name, got] of [["feature_extractor.codebook_weights", w.codebooks.data], ["backbone.convnext.1.pwconv2.weight", w.blocks[1].pw2.weight.data], ["backbone.norm.scale.weight", w.norm.scale.data]] as const) {
      const want = sd[name].values;
      assert.equal(got.length, want.length, name);
      for (let i = 0; i < got.length; i += 97) assert.ok(Math.abs(got[i] - want[i]) <= (fp16 ? 1e-3 : 0) * Math.max(1, Math.abs(want[i])), `${name}[${i}]`);
    }
    const d = await graphVsReference(ck, undefined, 5);
    assert.deepEqual(d.config, {
      sample_rate: 24000, hop: 320, hop_source: "default", n_fft: 1280, dim: 16, intermediate: 32, layers: 2,
      input_channels: 128, codebooks: 16, bandwidths: 4,
    });
    assert.equal(d.kind, "vocos");
    assert.deepEqual(d.graphs, { vocos: VOCOS.file, vocos_fp16: VOCOS.fp16File });
  });
}

Deno.test("vocos: config.yaml decides the hop (256 -> 256 samples per frame); n_fft, sizes and padding are checked", async () => {
  const ck = load(randomVocosStateDict(MICRO_VOCOS, 7));
  const d = await graphVsReference(ck, configYaml({ hop: 256 }), 4);
  assert.equal(d.config.hop, 256);
  assert.equal(d.config.hop_source, "config.yaml");
  const bad = (yaml: string, re: RegExp) => assert.throws(() => readVocos(ck, "pytorch_model.bin", yaml), (e) => e instanceof ModelError && re.test(e.message) && /pytorch_model\.bin/.test(e.message));
  bad(configYaml({ nFft: 1024 }), /n_fft 1024 does not match head\.out\.weight/);
  bad(configYaml({ dim: 384 }), /backbone dim 384 does not match the weights \(16\)/);
  bad(configYaml({ hop: 300 }), /hop 300 must divide n_fft 1280/);
  bad(configYaml({ padding: "center" }), /padding "center" is not supported/);
  bad("head: [unclosed", /not valid YAML/);
  assert.equal(readVocos(ck, "x", configYaml()).hop, 320);
});

Deno.test("vocos: codebooks in EnCodec's own layout give the same table; EnCodec files stay EnCodec", () => {
  const stacked = readVocos(load(randomVocosStateDict(MICRO_VOCOS, 9)), "a").codebooks;
  const ck = load(randomVocosStateDict(MICRO_VOCOS, 9, { codebooks: "encodec" }));
  assert.equal(converterFor(ck, "b").kind, "vocos");
  const split = readVocos(ck, "b").codebooks;
  assert.deepEqual(split.shape, [16384, 128]);
  // Same seed, same draw order: the 16 books concatenated are the stacked Parameter.
  assert.deepEqual(split.data, stacked.data);
  assert.equal(converterFor(load(randomEncodecStateDict(MICRO_ENCODEC, 3)), "encodec.th").kind, "encodec");
});

Deno.test("vocos: other architectures and bad shapes fail with a ModelError naming the file and tensor", () => {
  const base = randomVocosStateDict(MICRO_VOCOS, 10);
  const fails = (sd: Record<string, TensorSpec>, re: RegExp) =>
    assert.throws(() => readVocos(load(sd, "v.bin"), "v.bin"), (e) => e instanceof ModelError && /^v\.bin: /.test(e.message) && re.test(e.message));
  const without = (...names: string[]) => Object.fromEntries(Object.entries(base).filter(([k]) => !names.some((n) => k.startsWith(n))));
  fails({ ...base, "backbone.convnext.0.dwconv.weight": f32([16, 2, 7], new Float32Array(224)) }, /backbone\.convnext\.0\.dwconv\.weight has shape \[16, 2, 7\], expected \[16, 1, 7\]/);
  fails({ ...base, "backbone.convnext.1.pwconv2.weight": f32([16, 31], new Float32Array(496)) }, /pwconv2\.weight has shape \[16, 31\], expected \[16, 32\]/);
  fails({ ...base, "head.out.weight": f32([1281, 16], new Float32Array(1281 * 16)), "head.out.bias": f32([1281], new Float32Array(1281)) }, /head\.out has 1281 outputs/);
  fails({ ...base, "feature_extractor.codebook_weights": f32([1000, 128], new Float32Array(128000)) }, /codebook_weights has 1000 rows/);
  fails(without("feature_extractor."), /no EnCodec codebooks .* not mel Vocos/);
  fails(without("backbone.convnext."), /no ConvNeXt blocks/);
  fails(without("backbone.final_layer_norm.bias"), /missing tensor backbone\.final_layer_norm\.bias/);
  fails({ ...base, "head.imdct.window": f32([4], new Float32Array(4)) }, /IMDCT heads and ResNet backbones are not supported/);
  fails({ ...base, "backbone.convnext.1.norm.scale.weight": f32([3, 16], new Float32Array(48)), "backbone.convnext.1.norm.shift.weight": f32([3, 16], new Float32Array(48)) }, /convnext\.1\.norm has 3 rows, backbone\.norm 4/);
  // WhisperSpeech/EnCodec-looking files are not taken for Vocos at all.
  assert.throws(() => converterFor(load({ "foo.weight": f32([2], [1, 2]) }, "x.bin"), "x.bin"), ModelError);
});

Deno.test("model store: config.yaml beside pytorch_model.bin reaches the converter; without it the hop defaults (and says so)", async () => {
  const root = await Deno.makeTempDir();
  try {
    const bin = torchSave(stateDict(randomVocosStateDict(MICRO_VOCOS, 12)));
    for (const [sub, yaml] of [["with", configYaml({ hop: 256 })], ["without", undefined]] as const) {
      await Deno.mkdir(`${root}/${sub}`);
      await Deno.writeFile(`${root}/${sub}/pytorch_model.bin`, bin);
      if (yaml) await Deno.writeTextFile(`${root}/${sub}/config.yaml`, yaml);
    }
    const logs: string[] = [];
    const opts = { cacheDir: `${root}/cache`, log: (m: string) => logs.push(m) };
    const a = await loadConverted(`${root}/with`, "pytorch_model.bin", { bandwidth: 1.5 }, opts);
    assert.equal(a.descriptor.config.hop, 256);
    assert.equal(a.descriptor.config.hop_source, "config.yaml");
    const b = await loadConverted(`${root}/without/pytorch_model.bin`, "pytorch_model.bin", { bandwidth: 1.5 }, opts);
    assert.equal(b.descriptor.config.hop, 320);
    assert.equal(b.descriptor.config.hop_source, "default");
    assert.notEqual(a.dir, b.dir, "the config is part of the cache key");
    assert.ok(logs.some((m) => /no config\.yaml beside it/.test(m)), logs.join("\n"));
    assert.ok((await b.read(VOCOS.file)).length > 0);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
