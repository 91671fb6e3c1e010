// fp16 against fp32 decoder graphs (T2S and S2A, seeded random weights) on one provider: the first step's logits
// (max |difference| relative to the spread of the fp32 logits) and greedy generation (temperature 0) token by
// token. Usage: deno run -A bench/fp16_agreement.ts [--device=webgpu] [--size=micro|tiny|base|small]
//   [--s2a=<size>] [--tokens=N]   (T2S capped at N tokens; 0 = first-step logits only; prints one JSON line;
//   gpu-check runs it at micro size as its fp16 smoke)
import { loadOrt } from "../deno/ort_runtime.ts";
import { loadCheckpoint } from "../models/checkpoint/load_checkpoint.ts";
import type { OrtRuntime } from "../models/onnx/runtime.ts";
import { S2A_DECODER, T2S_DECODER } from "../models/whisperspeech/contract.ts";
import { convertS2a, convertT2s, fp16File } from "../models/whisperspeech/converters.ts";
import type { GraphPrecision } from "../models/whisperspeech/graph_common.ts";
import { createWhisperSpeech, whisperSpeechSessions } from "../models/whisperspeech/load.ts";
import { PRESETS, randomS2aCheckpoint, randomT2sCheckpoint } from "../models/whisperspeech/random_checkpoints.ts";
import type { CodesToWave } from "../models/whisperspeech/tts_engine.ts";
import type { ModelDescriptor } from "../models/convert/descriptor.ts";
import type { Tensor } from "onnxruntime-common";

type Size = keyof typeof PRESETS;

export interface Fp16Agreement {
  provider: string;
  sizes: { t2s: Size; s2a: Size };
  /** max |fp16 - fp32| / (max - min of fp32) over the first step's logits. */
  firstStepLogits: { t2s: number; s2a: number; top2Gap: { t2s: number; s2a: number } };
  /** Greedy tokens equal to fp32's, each decoder on fp32's inputs (absent with --tokens=0). */
  t2s?: { equal: number; total: number; firstDifference: number | null };
  s2a?: { equal: number; total: number; firstDifference: number | null };
  seconds: number;
}

interface Converted {
  files: Record<string, Uint8Array>;
  descriptor: ModelDescriptor;
}

/** The converted T2S and S2A models of one seed, as seen with their decoders in the given precision. */
export function models(t2sSize: Size, s2aSize: Size, tokens: number) {
  const t2s = convertT2s(loadCheckpoint(randomT2sCheckpoint(PRESETS[t2sSize], 31)), { sourceSha256: "", label: "t2s" });
  const s2a = convertS2a(loadCheckpoint(randomS2aCheckpoint(PRESETS[s2aSize], 32)), { sourceSha256: "", label: "s2a" });
  const at = (c: Converted, file: string, p: GraphPrecision, maxPositions?: number) => ({
    descriptor: { ...c.descriptor, config: maxPositions ? { ...c.descriptor.config, maxPositions } : c.descriptor.config },
    read: (f: string) => Promise.resolve(c.files[f === file && p === "fp16" ? fp16File(f) : f]),
  });
  return (p: GraphPrecision) => ({ t2s: at(t2s, T2S_DECODER.file, p, tokens + 1), s2a: at(s2a, S2A_DECODER.file, p) });
}

type Model = ReturnType<ReturnType<typeof models>>["t2s"];

/** Logits of the first decoder step: encoder on fixed tokens, an empty one-slot cache (masked), start token. */
async function firstLogits(rt: OrtRuntime, model: Model): Promise<Float32Array> {
  const dims = model.descriptor.config as never as { kind: "t2s" | "s2a"; numHeads: number; headDim: number; encoderLen: number; quantizers?: number };
  const s = await whisperSpeechSessions(rt, model, dims as never);
  const L = dims.encoderLen, ints = (n: number, f: (i: number) => number) => BigInt64Array.from({ length: n }, (_, i) => BigInt(f(i)));
  const encFeeds: Record<string, Tensor> = dims.kind === "t2s"
    ? { text_tokens: new rt.Tensor("int64", ints(L, (i) => (i * 7) % 200), [1, L]), language_ids: new rt.Tensor("int64", ints(L, () => 2), [1, L]) }
    : {
      semantic_tokens: new rt.Tensor("int64", ints(L, (i) => (i * 13) % 512), [1, L]),
      speaker_embedding: new rt.Tensor("float32", Float32Array.from({ length: 192 }, (_, i) => Math.sin(i)), [1, 192]),
    };
  const cross = await s.encoder.run(encFeeds);
  const Q = dims.quantizers ?? 4, H = dims.numHeads, hd = dims.headDim;
  const feeds: Record<string, Tensor> = { ...cross };
  for (const name of s.decoder.inputNames) {
    if (name.startsWith("past_key_values")) feeds[name] = new rt.Tensor("float32", new Float32Array(H * hd), [1, H, 1, hd]);
  }
  feeds.position_ids = new rt.Tensor("int64", ints(1, () => 0), [1, 1]);
  feeds.attention_mask = new rt.Tensor("float32", Float32Array.from([0, 1]), [1, 2]);
  if (dims.kind === "t2s") {
    feeds.input_ids = new rt.Tensor("int64", ints(1, () => 512), [1, 1]);
    feeds.cps_bin = new rt.Tensor("int64", ints(1, () => 11), [1]);
  } else feeds.input_ids = new rt.Tensor("int64", ints(Q, () => 1025), [1, Q, 1]);
  const out = await s.decoder.run(feeds);
  const logits = (await out.logits.getData()) as Float32Array;
  const copy = logits.slice();
  for (const t of [...Object.values(out), ...Object.values(cross)]) t.dispose();
  await s.encoder.release();
  await s.decoder.release();
  return copy;
}

function relativeError(fp32: Float32Array, fp16: Float32Array): number {
  let lo = Infinity, hi = -Infinity, d = 0;
  fp32.forEach((v, i) => {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
    d = Math.max(d, Math.abs(v - fp16[i]));
  });
  return d / (hi - lo);
}

const codesOnly: CodesToWave = { sampleRate: 24000, decode: (codes) => Promise.resolve(Float32Array.from(codes)) };

async function greedy(rt: OrtRuntime, m: { t2s: Model; s2a: Model }) {
  const tts = await createWhisperSpeech(rt, { ...m, vocoder: codesOnly }, undefined, 1);
  const [r] = await tts.synthesizeDetailed([{ index: 0, text: "A sentence that the random model reads aloud." }], { temperature: 0, seed: 1 });
  await tts.dispose();
  if (!r.ok) throw new Error(`generation failed: ${JSON.stringify(r)}`);
  return { stoks: r.pieces.flatMap((p) => [...p.stoks]), atoks: r.pieces.flatMap((p) => [...p.atoks.codes]) };
}

function agreement(a: number[], b: number[]) {
  const total = Math.max(a.length, b.length);
  let equal = 0, firstDifference: number | null = null;
  for (let i = 0; i < total; i++) {
    if (a[i] === b[i]) equal++;
    else firstDifference ??= i;
  }
  return { equal, total, firstDifference };
}

/** The smallest gap between the best and second-best fp32 logit of a row (rows of `width`), relative to the spread. */
function smallestTopGap(logits: Float32Array, width: number): number {
  let lo = Infinity, hi = -Infinity, gap = Infinity;
  logits.forEach((v) => {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  });
  for (let r = 0; r < logits.length; r += width) {
    const row = Array.from(logits.subarray(r, r + width)).sort((a, b) => b - a);
    gap = Math.min(gap, row[0] - row[1]);
  }
  return gap / (hi - lo);
}

/** The first step's relative logits error of fp16 against fp32, T2S and S2A, on one runtime; `top2Gap` says how
 * close fp32's top two logits are (an error larger than it can change a greedy pick). */
export async function firstStepErrors(rt: OrtRuntime, t2sSize: Size, s2aSize: Size) {
  const build = models(t2sSize, s2aSize, 8);
  const fp32 = build("fp32"), fp16 = build("fp16");
  const t2s = await firstLogits(rt, fp32.t2s), s2a = await firstLogits(rt, fp32.s2a);
  return {
    t2s: relativeError(t2s, await firstLogits(rt, fp16.t2s)),
    s2a: relativeError(s2a, await firstLogits(rt, fp16.s2a)),
    top2Gap: { t2s: smallestTopGap(t2s, t2s.length), s2a: smallestTopGap(s2a, s2a.length / 4) },
  };
}

export async function fp16Agreement(device: string, t2sSize: Size, s2aSize: Size, tokens: number): Promise<Fp16Agreement> {
  const t0 = performance.now();
  const rt = await loadOrt(device);
  const build = models(t2sSize, s2aSize, tokens);
  const fp32 = build("fp32"), fp16 = build("fp16");
  const firstStepLogits = await firstStepErrors(rt, t2sSize, s2aSize);
  // Each decoder against fp32 on the same inputs: S2A fp16 reads fp32 T2S's tokens (a T2S difference would
  // otherwise change what S2A is given).
  if (tokens === 0) return { provider: rt.description, sizes: { t2s: t2sSize, s2a: s2aSize }, firstStepLogits, seconds: (performance.now() - t0) / 1000 };
  const ref = await greedy(rt, fp32);
  const t2s = await greedy(rt, { t2s: fp16.t2s, s2a: fp32.s2a }), s2a = await greedy(rt, { t2s: fp32.t2s, s2a: fp16.s2a });
  return {
    provider: rt.description,
    sizes: { t2s: t2sSize, s2a: s2aSize },
    firstStepLogits,
    t2s: agreement(ref.stoks, t2s.stoks),
    s2a: agreement(ref.atoks, s2a.atoks),
    seconds: (performance.now() - t0) / 1000,
  };
}

if (import.meta.main) {
  const opt = (k: string) => Deno.args.find((a) => a.startsWith(`--${k}=`))?.split("=")[1];
  const size = (opt("size") ?? "micro") as Size;
  console.log(JSON.stringify(await fp16Agreement(opt("device") ?? "webgpu", size, (opt("s2a") ?? size) as Size, Number(opt("tokens") ?? 120))));
}
