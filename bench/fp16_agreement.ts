// fp16 against fp32 WhisperSpeech graphs (T2S and S2A, seeded random weights) on one provider: the first step's
// logits (max |difference| relative to the spread of the fp32 logits) and greedy generation (temperature 0, batch 1)
// token by token, each stage on the same inputs in both precisions (S2A reads fixed semantic tokens), with the
// logits error over the steps before the first divergence and fp32's top-2 gap at the step that diverged.
// Usage: deno run -A bench/fp16_agreement.ts [--device=webgpu] [--size=micro|tiny|base|small] [--s2a=<size>]
//   [--tokens=N] [--s2a-steps=M] [--stage=all|first|t2s|s2a]
//   (T2S capped at N tokens; S2A runs about M steps (default 3N); N = 0 = first-step logits only; prints one JSON
//   line; gpu-check runs it at micro size as its fp16 smoke)
import type { InferenceSession, Tensor } from "onnxruntime-common";
import { loadOrt } from "../deno/ort_runtime.ts";
import { loadCheckpoint } from "../models/checkpoint/load_checkpoint.ts";
import type { ModelDescriptor } from "../models/convert/descriptor.ts";
import type { OrtRuntime } from "../models/onnx/runtime.ts";
import type { WhisperSpeechDims } from "../models/whisperspeech/contract.ts";
import { convertS2a, convertT2s } from "../models/whisperspeech/converters.ts";
import { generateS2A } from "../models/whisperspeech/generate_s2a.ts";
import { generateT2S } from "../models/whisperspeech/generate_t2s.ts";
import type { GraphPrecision } from "../models/whisperspeech/graph_common.ts";
import { type ConvertedGraphs, whisperSpeechSessions } from "../models/whisperspeech/load.ts";
import { PRESETS, randomS2aCheckpoint, randomT2sCheckpoint } from "../models/whisperspeech/random_checkpoints.ts";
import { cpsBin, textSlots } from "../models/whisperspeech/text.ts";

type Size = keyof typeof PRESETS;

/** Greedy tokens of fp16 against fp32's, on the same inputs. */
export interface StageAgreement {
  /** Decoder steps run (fp32). */
  steps: number;
  equal: number;
  total: number;
  /** Index of the first differing token (T2S) or code (S2A, q-major), null if none. */
  firstDifference: number | null;
  /** Decoder step that produced the first difference (its inputs were still equal in both runs). */
  divergedAtStep: number | null;
  /** Max over the steps with equal inputs (up to and including divergedAtStep) of the step's logits error. */
  logitsError: number;
  /** fp32's top-2 logit gap (relative to its spread) at divergedAtStep: how near a tie the flipped pick was. */
  top2GapAtDivergence: number | null;
  /** Seconds of the two generations. */
  seconds: number;
}

export interface Fp16Agreement {
  provider: string;
  sizes: { t2s: Size; s2a: Size };
  /** max |fp16 - fp32| / (max - min of fp32) over the first step's logits. */
  firstStepLogits?: { t2s: number; s2a: number; top2Gap: { t2s: number; s2a: number } };
  t2s?: StageAgreement;
  s2a?: StageAgreement;
  seconds: number;
}

/** The converted T2S (capped at `tokens`) and S2A models of one seed, each converted when first used; sessions
 * pick the graphs of a precision. */
export function models(t2sSize: Size, s2aSize: Size, tokens: number) {
  const at = (convert: () => { files: Record<string, Uint8Array>; descriptor: ModelDescriptor }, maxPositions?: number) => {
    let c: ReturnType<typeof convert> | undefined;
    const get = () => (c ??= convert());
    return {
      get descriptor(): ModelDescriptor {
        const d = get().descriptor;
        return { ...d, config: maxPositions ? { ...d.config, maxPositions } : d.config };
      },
      read: (f: string) => Promise.resolve(get().files[f]),
    } satisfies ConvertedGraphs;
  };
  return {
    t2s: at(() => convertT2s(loadCheckpoint(randomT2sCheckpoint(PRESETS[t2sSize], 31)), { sourceSha256: "", label: "t2s" }), tokens + 1),
    s2a: at(() => convertS2a(loadCheckpoint(randomS2aCheckpoint(PRESETS[s2aSize], 32)), { sourceSha256: "", label: "s2a" })),
  };
}

type Models = ReturnType<typeof models>;
const dimsOf = (m: ConvertedGraphs) => m.descriptor.config as unknown as WhisperSpeechDims;

/** Logits of the first decoder step: encoder on fixed tokens, an empty one-slot cache (masked), start token. */
async function firstLogits(rt: OrtRuntime, model: ConvertedGraphs, precision: GraphPrecision): Promise<Float32Array> {
  const dims = dimsOf(model);
  const s = await whisperSpeechSessions(rt, model, dims, precision);
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
    if (!name.startsWith("past_key_values")) continue;
    const zeros = s.kvType === "float16" ? new Uint16Array(H * hd) : new Float32Array(H * hd);
    feeds[name] = new rt.Tensor(s.kvType, zeros, [1, H, 1, hd]);
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

/** The decoder session with a copy of every step's logits kept in `logits`. */
function recording(session: InferenceSession, logits: Float32Array[]): InferenceSession {
  const run = async (...args: Parameters<InferenceSession["run"]>) => {
    const out = await session.run(...args);
    logits.push(((await out.logits.getData()) as Float32Array).slice());
    return out;
  };
  return new Proxy(session, { get: (t, k) => (k === "run" ? run : Reflect.get(t, k)) });
}

const SENTENCE = "A sentence that the random model reads aloud.";

/** Greedy T2S of SENTENCE, capped at `tokens`, with each step's logits. */
async function t2sRun(rt: OrtRuntime, m: ConvertedGraphs, p: GraphPrecision, tokens: number) {
  const s = await whisperSpeechSessions(rt, m, dimsOf(m), p), logits: Float32Array[] = [];
  const item = { text: textSlots(SENTENCE), language: 0, cpsBin: cpsBin(15), seed: 1, item: 0, piece: 0, maxTokens: tokens };
  const [r] = await generateT2S({ ...s, decoder: recording(s.decoder, logits) }, [item], { temperature: 0, batchSize: 1 });
  await Promise.all([s.encoder.release(), s.decoder.release()]);
  if (r instanceof Error) throw r;
  return { tokens: [...r], logits };
}

/** Greedy S2A of fixed semantic tokens (`steps` decoder steps, rounded up to a whole semantic token). */
async function s2aRun(rt: OrtRuntime, m: ConvertedGraphs, p: GraphPrecision, steps: number) {
  const s = await whisperSpeechSessions(rt, m, dimsOf(m), p), logits: Float32Array[] = [];
  const stoks = Int32Array.from({ length: Math.max(2, Math.ceil((steps + 1) / 3)) }, (_, i) => (i * 37 + 5) % 512);
  const speaker = Float32Array.from({ length: 192 }, (_, i) => Math.sin(i));
  const [r] = await generateS2A({ ...s, decoder: recording(s.decoder, logits) }, [{ stoks, speaker, seed: 1, item: 0, piece: 0 }], { temperature: 0, batchSize: 1 });
  await Promise.all([s.encoder.release(), s.decoder.release()]);
  if (r instanceof Error) throw r;
  return { codes: [...r.codes], frames: r.frames, logits };
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
export async function firstStepErrors(rt: OrtRuntime, t2sSize: Size, s2aSize: Size, m: Models = models(t2sSize, s2aSize, 8)) {
  const t2s = await firstLogits(rt, m.t2s, "fp32"), s2a = await firstLogits(rt, m.s2a, "fp32");
  return {
    t2s: relativeError(t2s, await firstLogits(rt, m.t2s, "fp16")),
    s2a: relativeError(s2a, await firstLogits(rt, m.s2a, "fp16")),
    top2Gap: { t2s: smallestTopGap(t2s, t2s.length), s2a: smallestTopGap(s2a, s2a.length / 4) },
  };
}

/** fp16 against fp32 on one stage's greedy run; `stepOf(i)` is the step that produced token i. */
function compare(ref: number[], got: number[], logits: { fp32: Float32Array[]; fp16: Float32Array[] }, width: number, stepOf: (i: number) => number, seconds: number): StageAgreement {
  const a = agreement(ref, got);
  let diverged: number | null = null;
  for (let i = 0; i < a.total; i++) if (ref[i] !== got[i]) diverged = Math.min(diverged ?? Infinity, stepOf(i));
  const last = Math.min(diverged ?? Infinity, logits.fp32.length - 1, logits.fp16.length - 1);
  let logitsError = 0;
  for (let s = 0; s <= last; s++) logitsError = Math.max(logitsError, relativeError(logits.fp32[s], logits.fp16[s]));
  const top2GapAtDivergence = diverged === null ? null : smallestTopGap(logits.fp32[diverged], width);
  return { steps: logits.fp32.length, ...a, divergedAtStep: diverged, logitsError, top2GapAtDivergence, seconds };
}

async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const r = await f();
  return [r, (performance.now() - t0) / 1000];
}

export type Stage = "all" | "first" | "t2s" | "s2a";

export async function fp16Agreement(device: string, t2sSize: Size, s2aSize: Size, tokens: number, s2aSteps = 3 * tokens, stage: Stage = "all"): Promise<Fp16Agreement> {
  const t0 = performance.now();
  const rt = await loadOrt(device);
  const m = models(t2sSize, s2aSize, Math.max(tokens, 1));
  const out: Fp16Agreement = { provider: rt.description, sizes: { t2s: t2sSize, s2a: s2aSize }, seconds: 0 };
  if (stage === "all" || stage === "first") out.firstStepLogits = await firstStepErrors(rt, t2sSize, s2aSize, m);
  if (tokens > 0 && (stage === "all" || stage === "t2s")) {
    const [[ref, got], seconds] = await timed(async () => [await t2sRun(rt, m.t2s, "fp32", tokens), await t2sRun(rt, m.t2s, "fp16", tokens)]);
    // T2S token i comes from step i; code 513 is never picked (generate_t2s masks it), so the gap leaves it out.
    const eos = dimsOf(m.t2s).eosToken;
    const cut = (l: Float32Array[]) => l.map((x) => x.subarray(0, eos + 1));
    out.t2s = compare(ref.tokens, got.tokens, { fp32: cut(ref.logits), fp16: cut(got.logits) }, eos + 1, (i) => i, seconds);
  }
  if (s2aSteps > 0 && (stage === "all" || stage === "s2a")) {
    const [[ref, got], seconds] = await timed(async () => [await s2aRun(rt, m.s2a, "fp32", s2aSteps), await s2aRun(rt, m.s2a, "fp16", s2aSteps)]);
    // Code (q, t) was sampled at step t + q (the delay pattern).
    out.s2a = compare(ref.codes, got.codes, { fp32: ref.logits, fp16: got.logits }, dimsOf(m.s2a).vocab, (i) => (i % ref.frames) + Math.floor(i / ref.frames), seconds);
  }
  out.seconds = (performance.now() - t0) / 1000;
  return out;
}

if (import.meta.main) {
  const opt = (k: string) => Deno.args.find((a) => a.startsWith(`--${k}=`))?.split("=")[1];
  const size = (opt("size") ?? "micro") as Size, tokens = Number(opt("tokens") ?? 120);
  const steps = Number(opt("s2a-steps") ?? 3 * tokens);
  console.log(JSON.stringify(await fp16Agreement(opt("device") ?? "webgpu", size, (opt("s2a") ?? size) as Size, tokens, steps, (opt("stage") ?? "all") as Stage)));
}
