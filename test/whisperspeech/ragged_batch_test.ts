// Decoder graphs alone, without the generation loop: three rows at different positions share one batch, their
// caches padded with garbage in front of and behind their own slots; attention_mask must make every row's
// logits and step K/V equal to running that row by itself. cpu and wasm; webgpu when an adapter exists.
import assert from "node:assert/strict";
import type { InferenceSession, Tensor } from "onnxruntime-common";
import { loadOrt } from "../../deno/ort_runtime.ts";
import { loadCheckpoint } from "../../models/checkpoint/load_checkpoint.ts";
import { seededRandom } from "../../models/encodec/random_weights.ts";
import type { OrtRuntime } from "../../models/onnx/runtime.ts";
import { S2A_DECODER, S2A_ENCODER, T2S_DECODER, T2S_ENCODER } from "../../models/whisperspeech/contract.ts";
import { convertS2a, convertT2s } from "../../models/whisperspeech/converters.ts";
import {
  PRESETS,
  randomS2aCheckpoint,
  randomT2sCheckpoint,
} from "../../models/whisperspeech/random_checkpoints.ts";

const t2s = convertT2s(loadCheckpoint(randomT2sCheckpoint(PRESETS.micro, 41), "t2s"), {
  sourceSha256: "",
  label: "t2s",
});
const s2a = convertS2a(loadCheckpoint(randomS2aCheckpoint(PRESETS.micro, 42), "s2a"), {
  sourceSha256: "",
  label: "s2a",
});
const HD = 64;

/** Tokens fed at positions 0, 1, 2, ... (arbitrary, not sampled: only the arithmetic is under test). */
const T2S_TOKENS = [512, 17, 300, 5, 511, 99, 7];
const S2A_COLUMNS = [
  [1025, 1025, 1025, 1025],
  [3, 1025, 1025, 1025],
  [1000, 8, 1025, 1025],
  [1, 2, 3, 1025],
  [1024, 5, 6, 7],
  [9, 1024, 1023, 0],
  [4, 4, 4, 4],
];

/** Row i has done STEPS[i] steps (its cache length); the batch past length is the largest. */
const STEPS = [2, 3, 6];
const P = Math.max(...STEPS);
/** First cache slot of row i: row 0 is padded in front, row 1 behind its slots, row 2 fills the cache. */
const FIRST = [P - STEPS[0], 0, 0];

interface Graphs {
  files: Record<string, Uint8Array>;
  dims: { numDecoderLayers: number; numHeads: number; encoderLen: number };
  encoderFile: string;
  decoder: typeof T2S_DECODER | typeof S2A_DECODER;
  /** Encoder feeds for some items. */
  encoderFeeds(rt: OrtRuntime, items: number[]): Record<string, Tensor>;
  /** Decoder feeds other than caches and attention_mask, for row items at their steps. */
  stepFeeds(rt: OrtRuntime, items: number[], steps: number[]): Record<string, Tensor>;
}

const utf8Slots = (text: string) => {
  const t = new BigInt64Array(550);
  new TextEncoder().encode(text).forEach((b, i) => (t[i + 1] = BigInt(b)));
  return t;
};

const T2S_ITEMS = [{ text: "Hello world.", lang: 0n, cps: 24n }, {
  text: "Zażółć gęślą jaźń",
  lang: 10n,
  cps: 9n,
}, { text: "日本語 ☃!", lang: 7n, cps: 31n }];
const T2S: Graphs = {
  files: t2s.files,
  dims: t2s.descriptor.config as Graphs["dims"],
  encoderFile: T2S_ENCODER.file,
  decoder: T2S_DECODER,
  encoderFeeds: (rt, items) => ({
    [T2S_ENCODER.inputs.textTokens]: new rt.Tensor(
      "int64",
      concat(items.map((i) => utf8Slots(T2S_ITEMS[i].text))),
      [items.length, 550],
    ),
    [T2S_ENCODER.inputs.languageIds]: new rt.Tensor(
      "int64",
      concat(items.map((i) => new BigInt64Array(550).fill(T2S_ITEMS[i].lang))),
      [items.length, 550],
    ),
  }),
  stepFeeds: (rt, items, steps) => ({
    [T2S_DECODER.inputs.inputIds]: new rt.Tensor(
      "int64",
      BigInt64Array.from(steps, (s) => BigInt(T2S_TOKENS[s])),
      [items.length, 1],
    ),
    [T2S_DECODER.inputs.positionIds]: new rt.Tensor("int64", BigInt64Array.from(steps, BigInt), [
      items.length,
      1,
    ]),
    [T2S_DECODER.inputs.cpsBin]: new rt.Tensor("int64", BigInt64Array.from(items, (i) => T2S_ITEMS[i].cps), [
      items.length,
    ]),
  }),
};

const S2A_STOKS = [[5, 17, 400, 3], [511, 0, 42, 42, 42, 7, 100], [1, 2]];
const speakerOf = (i: number) => {
  const r = seededRandom(100 + i);
  return Float32Array.from({ length: 192 }, () => r());
};
const S2A: Graphs = {
  files: s2a.files,
  dims: s2a.descriptor.config as Graphs["dims"],
  encoderFile: S2A_ENCODER.file,
  decoder: S2A_DECODER,
  encoderFeeds: (rt, items) => ({
    [S2A_ENCODER.inputs.semanticTokens]: new rt.Tensor(
      "int64",
      concat(items.map((i) => {
        const t = new BigInt64Array(750).fill(512n);
        S2A_STOKS[i].forEach((s, j) => (t[j + 1] = BigInt(s)));
        return t;
      })),
      [items.length, 750],
    ),
    [S2A_ENCODER.inputs.speakerEmbedding]: new rt.Tensor("float32", concat(items.map(speakerOf)), [
      items.length,
      192,
    ]),
  }),
  stepFeeds: (rt, items, steps) => ({
    [S2A_DECODER.inputs.inputIds]: new rt.Tensor(
      "int64",
      BigInt64Array.from(steps.flatMap((s) => S2A_COLUMNS[s]), BigInt),
      [items.length, 4, 1],
    ),
    [S2A_DECODER.inputs.positionIds]: new rt.Tensor("int64", BigInt64Array.from(steps, BigInt), [
      items.length,
      1,
    ]),
  }),
};

function concat<T extends Float32Array | BigInt64Array>(parts: T[]): T {
  const out = new (parts[0].constructor as { new (n: number): T })(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p as never, o);
    o += p.length;
  }
  return out;
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>) {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** [1, H, S, 64] cache + [1, H, 1, 64] step K/V -> [1, H, S+1, 64]. */
function appendSlot(rt: OrtRuntime, past: Tensor, step: Tensor, H: number) {
  const s = past.dims[2], old = past.data as Float32Array, add = step.data as Float32Array;
  const out = new Float32Array(H * (s + 1) * HD);
  for (let h = 0; h < H; h++) {
    out.set(old.subarray(h * s * HD, (h + 1) * s * HD), h * (s + 1) * HD);
    out.set(add.subarray(h * HD, (h + 1) * HD), (h * (s + 1) + s) * HD);
  }
  return new rt.Tensor("float32", out, [1, H, s + 1, HD]);
}

/** Item `item` alone, steps 0..STEPS[item]: its logits and step K/V at its last step, and its cache before. */
async function alone(rt: OrtRuntime, gr: Graphs, enc: InferenceSession, dec: InferenceSession, item: number) {
  const { numDecoderLayers: layers, numHeads: H } = gr.dims;
  const cross = await enc.run(gr.encoderFeeds(rt, [item]));
  // One masked slot of garbage in front: WebGPU cannot bind an empty cache (KvBatch always has capacity).
  let past: Tensor[] = Array.from(
    { length: 2 * layers },
    () => new rt.Tensor("float32", new Float32Array(H * HD).fill(-7), [1, H, 1, HD]),
  );
  for (let step = 0;; step++) {
    const feeds: Record<string, Tensor> = { ...gr.stepFeeds(rt, [item], [step]) };
    const mask = new Float32Array(step + 2).fill(1);
    mask[0] = 0;
    feeds[gr.decoder.inputs.attentionMask] = new rt.Tensor("float32", mask, [1, step + 2]);
    for (let i = 0; i < layers; i++) {
      feeds[gr.decoder.crossKey(i)] = cross[gr.decoder.crossKey(i)];
      feeds[gr.decoder.crossValue(i)] = cross[gr.decoder.crossValue(i)];
      feeds[gr.decoder.pastKey(i)] = past[2 * i];
      feeds[gr.decoder.pastValue(i)] = past[2 * i + 1];
    }
    const out = await dec.run(feeds);
    if (step === STEPS[item]) {
      return { logits: out[gr.decoder.logits].data as Float32Array, past, step: out };
    }
    past = past.map((t, j) => appendSlot(rt, t, out[j % 2 ? gr.decoder.stepValue(j >> 1) : gr.decoder.stepKey(j >> 1)], H));
  }
}

async function checkRagged(device: "cpu" | "wasm" | "webgpu", gr: Graphs) {
  const rt = await loadOrt(device);
  assert.equal(rt.provider, device);
  const enc = await rt.createSession(gr.files[gr.encoderFile]),
    dec = await rt.createSession(gr.files[gr.decoder.file]);
  const { numDecoderLayers: layers, numHeads: H } = gr.dims;
  const items = [0, 1, 2], B = items.length;
  const ref = [];
  for (const i of items) ref.push(await alone(rt, gr, enc, dec, i));
  const cross = await enc.run(gr.encoderFeeds(rt, items));
  const noise = seededRandom(7);
  const mask = new Float32Array(B * (P + 1));
  const feeds: Record<string, Tensor> = { ...gr.stepFeeds(rt, items, STEPS) };
  for (let b = 0; b < B; b++) {
    mask.fill(1, b * (P + 1) + FIRST[b], b * (P + 1) + FIRST[b] + STEPS[b]);
    mask[b * (P + 1) + P] = 1;
  }
  feeds[gr.decoder.inputs.attentionMask] = new rt.Tensor("float32", mask, [B, P + 1]);
  for (let i = 0; i < layers; i++) {
    feeds[gr.decoder.crossKey(i)] = cross[gr.decoder.crossKey(i)];
    feeds[gr.decoder.crossValue(i)] = cross[gr.decoder.crossValue(i)];
    for (const [j, name] of [[0, gr.decoder.pastKey(i)], [1, gr.decoder.pastValue(i)]] as const) {
      // Garbage everywhere (large, so an unmasked slot would show), then each row's own slots.
      const data = Float32Array.from({ length: B * H * P * HD }, () => 50 * noise());
      for (let b = 0; b < B; b++) {
        const own = ref[b].past[2 * i + j].data as Float32Array; // [1, H, 1 + STEPS[b], 64], slot 0 masked
        const s = STEPS[b] + 1;
        for (let h = 0; h < H; h++) {
          data.set(
            own.subarray((h * s + 1) * HD, (h + 1) * s * HD),
            ((b * H + h) * P + FIRST[b]) * HD,
          );
        }
      }
      feeds[name] = new rt.Tensor("float32", data, [B, H, P, HD]);
    }
  }
  const out = await dec.run(feeds);
  const logits = out[gr.decoder.logits].data as Float32Array, per = logits.length / B;
  for (let b = 0; b < B; b++) {
    const d = maxDiff(logits.subarray(b * per, (b + 1) * per), ref[b].logits);
    assert.ok(d < 1e-4, `${device} row ${b}: logits differ by ${d}`);
    // The step K/V equal the row's own.
    for (let i = 0; i < layers; i++) {
      for (const name of [gr.decoder.stepKey(i), gr.decoder.stepValue(i)]) {
        const got = out[name].data as Float32Array, want = ref[b].step[name].data as Float32Array;
        const d = maxDiff(got.subarray(b * H * HD, (b + 1) * H * HD), want);
        assert.ok(d < 1e-5, `${device} row ${b} ${name}: differs by ${d}`);
      }
    }
  }
  await Promise.all([enc.release(), dec.release()]);
}

const adapter = await (navigator as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu?.requestAdapter()
  .catch(() => null);

for (const device of ["cpu", "wasm", "webgpu"] as const) {
  const ignore = device === "webgpu" && !adapter;
  Deno.test({
    name: `t2s decoder: 3 ragged rows with attention_mask = each row alone (${device})`,
    ignore,
    fn: () => checkRagged(device, T2S),
  });
  Deno.test({
    name: `s2a decoder: 3 ragged rows with attention_mask = each row alone (${device})`,
    ignore,
    fn: () => checkRagged(device, S2A),
  });
}
