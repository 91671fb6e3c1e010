// T2S graphs vs the naive reference on random weights: first-step logits within 1e-4, greedy tokens identical,
// several texts (non-ASCII too), en and pl; batching with ragged joins changes nothing.
import assert from "node:assert/strict";
import { loadOrt } from "../../deno/ort_runtime.ts";
import { loadCheckpoint } from "../../models/checkpoint/load_checkpoint.ts";
import { readT2sSpec } from "../../models/whisperspeech/checkpoint_spec.ts";
import { convertT2s } from "../../models/whisperspeech/converters.ts";
import { T2S_DECODER, T2S_ENCODER } from "../../models/whisperspeech/contract.ts";
import { generateT2S, type T2sItem } from "../../models/whisperspeech/generate_t2s.ts";
import { t2sEncode, t2sLogits } from "../../models/whisperspeech/naive_reference.ts";
import { PRESETS, randomT2sCheckpoint } from "../../models/whisperspeech/random_checkpoints.ts";
import { textSlots } from "../../models/whisperspeech/text.ts";

const bytes = randomT2sCheckpoint(PRESETS.micro, 11);
const ck = loadCheckpoint(bytes, "t2s-micro.model");
const spec = readT2sSpec(ck, "t2s-micro.model");
const { files, descriptor } = convertT2s(ck, { sourceSha256: "x", label: "t2s-micro.model" });

const TEXTS: [string, number][] = [["Hello world.", 0], ["Zażółć gęślą jaźń!", 10], ["Ünïcödé — ☃ 日本語", 0], ["a", 10]];

async function model(device: "cpu" | "wasm") {
  const rt = await loadOrt(device);
  return {
    rt,
    dims: spec.dims,
    encoder: await rt.createSession(files[T2S_ENCODER.file]),
    decoder: await rt.createSession(files[T2S_DECODER.file]),
  };
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>) {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

Deno.test("t2s descriptor carries the dims the loop reads", () => {
  assert.equal(descriptor.kind, "whisperspeech-t2s");
  assert.deepEqual([spec.dims.numEncoderLayers, spec.dims.numDecoderLayers, spec.dims.numHeads, spec.dims.vocab], [1, 3, 2, 514]);
  assert.equal(spec.dims.startToken, 512); // padding_token_offset missing -> -1, as Tunables.upgrade
});

for (const device of ["cpu", "wasm"] as const) {
  Deno.test(`t2s first-step logits match the naive reference within 1e-4 (${device})`, async () => {
    const m = await model(device);
    for (const [text, lang] of TEXTS) {
      const slots = textSlots(text);
      const ref = t2sLogits(spec, t2sEncode(spec, slots, lang), [512], 24);
      const enc = await m.encoder.run({
        text_tokens: new m.rt.Tensor("int64", BigInt64Array.from(slots, BigInt), [1, 550]),
        language_ids: new m.rt.Tensor("int64", new BigInt64Array(550).fill(BigInt(lang)), [1, 550]),
      });
      const feeds: Record<string, unknown> = {
        input_ids: new m.rt.Tensor("int64", BigInt64Array.from([512n]), [1, 1]),
        position_ids: new m.rt.Tensor("int64", BigInt64Array.from([0n]), [1, 1]),
        cps_bin: new m.rt.Tensor("int64", BigInt64Array.from([24n]), [1]),
        attention_mask: new m.rt.Tensor("float32", Float32Array.from([1]), [1, 1]),
      };
      for (let i = 0; i < spec.dims.numDecoderLayers; i++) {
        feeds[T2S_DECODER.crossKey(i)] = enc[T2S_ENCODER.crossKey(i)];
        feeds[T2S_DECODER.crossValue(i)] = enc[T2S_ENCODER.crossValue(i)];
        feeds[T2S_DECODER.pastKey(i)] = new m.rt.Tensor("float32", new Float32Array(0), [1, 2, 0, 64]);
        feeds[T2S_DECODER.pastValue(i)] = new m.rt.Tensor("float32", new Float32Array(0), [1, 2, 0, 64]);
      }
      // deno-lint-ignore no-explicit-any
      const out = await m.decoder.run(feeds as any);
      const logits = out.logits.data as Float32Array;
      const d = maxDiff(logits, ref.data);
      assert.ok(d < 1e-4, `${text}: max |diff| ${d}`);
      assert.ok(Math.max(...logits) - Math.min(...logits) > 1, "logits should not be flat");
    }
  });
}

/** Greedy decoding with the reference, upstream's stop rule (512 after position 0 ends it). */
function referenceGreedy(text: string, lang: number, steps: number): number[] {
  const xenc = t2sEncode(spec, textSlots(text), lang);
  const toks = [512];
  for (let p = 0; p < steps; p++) {
    const l = t2sLogits(spec, xenc, toks, 24);
    const row = l.data.slice((toks.length - 1) * l.cols, toks.length * l.cols);
    row.fill(-Infinity, 513);
    let best = 0;
    for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
    if (p >= 1 && best === 512) break;
    toks.push(best);
  }
  return toks.slice(1);
}

Deno.test("t2s greedy tokens: KV-cache graphs = naive reference; batch of ragged joins = one at a time", async () => {
  const m = await model("cpu");
  const small = { ...m, dims: { ...m.dims, maxPositions: 13 } }; // 12 tokens per item keeps the reference fast
  const items: T2sItem[] = TEXTS.map(([text, lang], i) => ({ text: textSlots(text), language: lang, cpsBin: 24, seed: 1, item: i, piece: 0 }));
  const alone = await Promise.all(items.map(async (it) => (await generateT2S(small, [it], { temperature: 0, batchSize: 1 }))[0]));
  assert.ok(alone.every((r) => (r as Int32Array).length >= 6), `decodes too short to prove much: ${alone.map((r) => (r as Int32Array).length)}`);
  assert.ok(new Set(alone.map((r) => String(r))).size > 1, "every text decoded the same");
  for (const [i, [text, lang]] of TEXTS.entries()) {
    assert.deepEqual(Array.from(alone[i] as Int32Array), referenceGreedy(text, lang, 12), text);
  }
  // batch 2 over 4 items: rows finish and others join mid-flight
  const batched = await generateT2S(small, items, { temperature: 0, batchSize: 2 });
  assert.deepEqual(batched.map((r) => Array.from(r as Int32Array)), alone.map((r) => Array.from(r as Int32Array)));
  // sampled: same seed and item give the same tokens whatever the batch
  const s1 = await generateT2S(small, items, { temperature: 0.7, batchSize: 4 });
  const s2 = await generateT2S(small, items.slice(2), { temperature: 0.7, batchSize: 1 });
  assert.deepEqual(s2.map((r) => Array.from(r as Int32Array)), s1.slice(2).map((r) => Array.from(r as Int32Array)));
});

Deno.test("fp16 storages (T2S and S2A) convert; the graphs match the reference on the widened weights", async () => {
  const { readS2aSpec } = await import("../../models/whisperspeech/checkpoint_spec.ts");
  const { convertS2a } = await import("../../models/whisperspeech/converters.ts");
  const { randomS2aCheckpoint } = await import("../../models/whisperspeech/random_checkpoints.ts");
  const { s2aEncode, s2aLogits } = await import("../../models/whisperspeech/naive_reference.ts");
  const { speakerVector } = await import("../../models/whisperspeech/speakers.ts");
  const rt = await loadOrt("cpu");
  const t = loadCheckpoint(randomT2sCheckpoint(PRESETS.micro, 31, { fp16: true }), "t2s-fp16.model");
  assert.equal([...t.tensors.values()][0].dtype, "float16");
  const tSpec = readT2sSpec(t, "t2s-fp16.model");
  const tFiles = convertT2s(t, { sourceSha256: "x", label: "t2s-fp16.model" }).files;
  const enc = await (await rt.createSession(tFiles[T2S_ENCODER.file])).run({
    text_tokens: new rt.Tensor("int64", BigInt64Array.from(textSlots("Cześć!"), BigInt), [1, 550]),
    language_ids: new rt.Tensor("int64", new BigInt64Array(550).fill(10n), [1, 550]),
  });
  const feeds: Record<string, unknown> = {
    input_ids: new rt.Tensor("int64", BigInt64Array.from([512n]), [1, 1]),
    position_ids: new rt.Tensor("int64", BigInt64Array.from([0n]), [1, 1]),
    cps_bin: new rt.Tensor("int64", BigInt64Array.from([24n]), [1]),
    attention_mask: new rt.Tensor("float32", Float32Array.from([1]), [1, 1]),
  };
  for (let i = 0; i < tSpec.dims.numDecoderLayers; i++) {
    feeds[T2S_DECODER.crossKey(i)] = enc[T2S_ENCODER.crossKey(i)];
    feeds[T2S_DECODER.crossValue(i)] = enc[T2S_ENCODER.crossValue(i)];
    feeds[T2S_DECODER.pastKey(i)] = new rt.Tensor("float32", new Float32Array(0), [1, 2, 0, 64]);
    feeds[T2S_DECODER.pastValue(i)] = new rt.Tensor("float32", new Float32Array(0), [1, 2, 0, 64]);
  }
  // deno-lint-ignore no-explicit-any
  const logits = (await (await rt.createSession(tFiles[T2S_DECODER.file])).run(feeds as any)).logits.data as Float32Array;
  assert.ok(maxDiff(logits, t2sLogits(tSpec, t2sEncode(tSpec, textSlots("Cześć!"), 10), [512], 24).data) < 1e-4);
  const s = loadCheckpoint(randomS2aCheckpoint(PRESETS.micro, 32, { fp16: true }), "s2a-fp16.model");
  const sSpec = readS2aSpec(s, "s2a-fp16.model");
  const sFiles = convertS2a(s, { sourceSha256: "x", label: "s2a-fp16.model" }).files;
  const stoks = new Int32Array(750).fill(512);
  stoks.set([3, 9, 27], 1);
  const sEnc = await (await rt.createSession(sFiles["s2a_encoder.onnx"])).run({
    semantic_tokens: new rt.Tensor("int64", BigInt64Array.from(stoks, BigInt), [1, 750]),
    speaker_embedding: new rt.Tensor("float32", speakerVector(undefined), [1, 192]),
  });
  const sFeeds: Record<string, unknown> = {
    input_ids: new rt.Tensor("int64", new BigInt64Array(4).fill(1025n), [1, 4, 1]),
    position_ids: new rt.Tensor("int64", new BigInt64Array(1), [1, 1]),
    attention_mask: new rt.Tensor("float32", Float32Array.from([1]), [1, 1]),
  };
  for (let i = 0; i < sSpec.dims.numDecoderLayers; i++) {
    sFeeds[`encoder_kv.${i}.key`] = sEnc[`encoder_kv.${i}.key`];
    sFeeds[`encoder_kv.${i}.value`] = sEnc[`encoder_kv.${i}.value`];
    sFeeds[`past_key_values.${i}.key`] = new rt.Tensor("float32", new Float32Array(0), [1, 2, 0, 64]);
    sFeeds[`past_key_values.${i}.value`] = new rt.Tensor("float32", new Float32Array(0), [1, 2, 0, 64]);
  }
  // deno-lint-ignore no-explicit-any
  const sLogits = (await (await rt.createSession(sFiles["s2a_decoder.onnx"])).run(sFeeds as any)).logits.data as Float32Array;
  const ref = s2aLogits(sSpec, s2aEncode(sSpec, stoks, speakerVector(undefined)), [[1025], [1025], [1025], [1025]]);
  assert.ok(maxDiff(sLogits, ref.flatMap((q) => Array.from(q[0]))) < 1e-4);
});

Deno.test("a checkpoint that is not WhisperSpeech, or an unsupported S2A variant, gets one clear error", async () => {
  const { stateDict, torchSave, f32 } = await import("../../models/checkpoint/writer.ts");
  const { ModelError } = await import("../../core/errors.ts");
  const { readS2aSpec } = await import("../../models/whisperspeech/checkpoint_spec.ts");
  const notWs = loadCheckpoint(torchSave({ config: {}, state_dict: stateDict({ "x.weight": f32([1], [1]) }) }), "odd.model");
  assert.throws(() => readT2sSpec(notWs, "odd.model"), (e) => e instanceof ModelError && /odd\.model: not a WhisperSpeech model file/.test(e.message));
  const old = loadCheckpoint(torchSave({ config: { depth: 1 }, tunables: {}, state_dict: stateDict({ "embds.embeddings.0.main.weight": f32([1, 1], [1]) }) }), "s2a-old.model");
  assert.throws(() => readS2aSpec(old, "s2a-old.model"), (e) => e instanceof ModelError && /without RoPE/.test(e.message));
});
