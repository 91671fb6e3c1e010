// S2A graphs vs the naive reference on random weights: first-step logits within 1e-4; greedy delay-pattern
// decoding identical; ragged batches change nothing.
import assert from "node:assert/strict";
import { loadOrt } from "../../deno/ort_runtime.ts";
import { loadCheckpoint } from "../../models/checkpoint/load_checkpoint.ts";
import { readS2aSpec } from "../../models/whisperspeech/checkpoint_spec.ts";
import { S2A_DECODER, S2A_ENCODER } from "../../models/whisperspeech/contract.ts";
import { convertS2a } from "../../models/whisperspeech/converters.ts";
import { generateS2A, type S2aItem } from "../../models/whisperspeech/generate_s2a.ts";
import { s2aEncode, s2aLogits } from "../../models/whisperspeech/naive_reference.ts";
import { PRESETS, randomS2aCheckpoint } from "../../models/whisperspeech/random_checkpoints.ts";
import { speakerVector } from "../../models/whisperspeech/speakers.ts";

const ck = loadCheckpoint(randomS2aCheckpoint(PRESETS.micro, 12), "s2a-micro.model");
const spec = readS2aSpec(ck, "s2a-micro.model");
const { files } = convertS2a(ck, { sourceSha256: "x", label: "s2a-micro.model" });
const speaker = speakerVector(undefined);
const STOKS = [[5, 17, 400, 3], [511, 0, 42, 42, 42, 7, 100], [1, 2]].map((s) => Int32Array.from(s));

const encoderInput = (s: Int32Array) => {
  const t = new Int32Array(750).fill(512);
  t.set(s, 1);
  return t;
};

async function model(device: "cpu" | "wasm") {
  const rt = await loadOrt(device);
  return { rt, dims: spec.dims, encoder: await rt.createSession(files[S2A_ENCODER.file]), decoder: await rt.createSession(files[S2A_DECODER.file]) };
}

for (const device of ["cpu", "wasm"] as const) {
  Deno.test(`s2a first-step logits match the naive reference within 1e-4 (${device})`, async () => {
    const m = await model(device);
    for (const s of STOKS) {
      const xenc = s2aEncode(spec, encoderInput(s), speaker);
      const ref = s2aLogits(spec, xenc, [[1025], [1025], [1025], [1025]]);
      const enc = await m.encoder.run({
        semantic_tokens: new m.rt.Tensor("int64", BigInt64Array.from(encoderInput(s), BigInt), [1, 750]),
        speaker_embedding: new m.rt.Tensor("float32", speaker, [1, 192]),
      });
      const feeds: Record<string, unknown> = {
        input_ids: new m.rt.Tensor("int64", new BigInt64Array(4).fill(1025n), [1, 4, 1]),
        position_ids: new m.rt.Tensor("int64", new BigInt64Array(1), [1, 1]),
        attention_mask: new m.rt.Tensor("float32", Float32Array.from([1]), [1, 1]),
      };
      for (let i = 0; i < spec.dims.numDecoderLayers; i++) {
        feeds[S2A_DECODER.crossKey(i)] = enc[S2A_ENCODER.crossKey(i)];
        feeds[S2A_DECODER.crossValue(i)] = enc[S2A_ENCODER.crossValue(i)];
        feeds[S2A_DECODER.pastKey(i)] = new m.rt.Tensor("float32", new Float32Array(0), [1, 2, 0, 64]);
        feeds[S2A_DECODER.pastValue(i)] = new m.rt.Tensor("float32", new Float32Array(0), [1, 2, 0, 64]);
      }
      // deno-lint-ignore no-explicit-any
      const logits = (await m.decoder.run(feeds as any)).logits.data as Float32Array;
      let d = 0;
      for (let q = 0; q < 4; q++) for (let v = 0; v < 1026; v++) d = Math.max(d, Math.abs(logits[q * 1026 + v] - ref[q][0][v]));
      assert.ok(d < 1e-4, `max |diff| ${d}`);
    }
  });
}

/** Upstream's delay-pattern loop, greedy, with the reference recomputing the whole sequence each step. */
function referenceGreedy(stoks: Int32Array): Int32Array[] {
  const xenc = s2aEncode(spec, encoderInput(stoks), speaker);
  const n = 3 * stoks.length;
  const grid = Array.from({ length: 4 }, () => new Array(n).fill(1025));
  for (let p = 0; p <= Math.min(n, 2249) - 2; p++) {
    const logits = s2aLogits(spec, xenc, grid.map((row) => row.slice(0, p + 1)));
    for (let q = 0; q <= Math.min(p, 3); q++) {
      const row = logits[q][p];
      let best = 0;
      for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
      grid[q][p + 1] = best;
    }
  }
  return grid.map((row, q) => Int32Array.from(row.slice(q + 1, q + 1 + n - 4)));
}

Deno.test("s2a greedy delay-pattern decoding: graphs = reference; ragged batch = one at a time; seeded sampling batch-independent", async () => {
  const m = await model("cpu");
  const items: S2aItem[] = STOKS.map((stoks, i) => ({ stoks, speaker, seed: 3, item: i, piece: 0 }));
  const alone: Awaited<ReturnType<typeof generateS2A>> = [];
  for (const it of items) alone.push((await generateS2A(m, [it], { temperature: 0, batchSize: 1 }))[0]);
  for (const [i, s] of STOKS.entries()) {
    const a = alone[i];
    if (a instanceof Error) throw a;
    assert.equal(a.frames, 3 * s.length - 4);
    const ref = referenceGreedy(s);
    for (let q = 0; q < 4; q++) assert.deepEqual(Array.from(a.codes.subarray(q * a.frames, (q + 1) * a.frames)), Array.from(ref[q]), `item ${i} codebook ${q}`);
  }
  const batched = await generateS2A(m, items, { temperature: 0, batchSize: 2 });
  assert.deepEqual(batched, alone);
  const s1 = await generateS2A(m, items, { temperature: 0.7, batchSize: 3 });
  const s2 = await generateS2A(m, [items[1]], { temperature: 0.7, batchSize: 1 });
  assert.deepEqual(s2[0], s1[1]);
  const tooShort = await generateS2A(m, [{ ...items[0], stoks: Int32Array.from([5]) }], { temperature: 0, batchSize: 1 });
  assert.match(String(tooShort[0]), /too little speech/);
});
