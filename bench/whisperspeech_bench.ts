// WhisperSpeech throughput at real model sizes (random weights), per provider and batch size:
// T2S semantic tokens/s, S2A acoustic frames/s, Vocos real-time factor, and end-to-end seconds of audio per
// second (T2S -> S2A -> Vocos -> EnCodec). Options: --providers=cpu,wasm,webgpu --batches=1,4,16
// --t2s=small --s2a=tiny --tokens=50 (semantic tokens per item; 3x that many acoustic frames) --precision=fp32|fp16
// (the decoders' graphs; fp16 needs WebGPU with shader-f16). Figures are
// steady state: each batch size runs once untimed before it is measured.
import { loadOrt } from "../deno/ort_runtime.ts";
import type { ModelDescriptor } from "../models/convert/descriptor.ts";
import { loadCheckpoint } from "../models/checkpoint/load_checkpoint.ts";
import { stateDict, torchSave } from "../models/checkpoint/writer.ts";
import { EncodecCodec } from "../models/encodec/codec.ts";
import { buildEncoder } from "../models/encodec/graph.ts";
import { randomEncodecStateDict, REAL_ENCODEC } from "../models/encodec/random_weights.ts";
import { readEncodec } from "../models/encodec/weights.ts";
import { convertVocos } from "../models/vocos/convert.ts";
import { randomVocosStateDict, REAL_VOCOS } from "../models/vocos/random_weights.ts";
import { Vocoder } from "../models/vocos/vocoder.ts";
import { convertS2a, convertT2s } from "../models/whisperspeech/converters.ts";
import type { WhisperSpeechDims } from "../models/whisperspeech/contract.ts";
import { generateS2A } from "../models/whisperspeech/generate_s2a.ts";
import { generateT2S } from "../models/whisperspeech/generate_t2s.ts";
import { decoderPrecision, whisperSpeechSessions } from "../models/whisperspeech/load.ts";
import type { GraphPrecision } from "../models/whisperspeech/graph_common.ts";
import { PRESETS, randomS2aCheckpoint, randomT2sCheckpoint } from "../models/whisperspeech/random_checkpoints.ts";
import { speakerVector } from "../models/whisperspeech/speakers.ts";
import { textSlots } from "../models/whisperspeech/text.ts";

const converted = (c: { files: Record<string, Uint8Array>; descriptor: ModelDescriptor }) => ({ descriptor: c.descriptor, read: (f: string) => Promise.resolve(c.files[f]) });
const opt = (args: string[], name: string, fallback: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;

export async function run(args: string[]) {
  const providers = opt(args, "providers", "cpu,wasm").split(",");
  const batches = opt(args, "batches", "1,4,16").split(",").map(Number);
  const t2sPreset = opt(args, "t2s", "small") as keyof typeof PRESETS, s2aPreset = opt(args, "s2a", "tiny") as keyof typeof PRESETS;
  const tokens = Number(opt(args, "tokens", "50"));
  const precision = opt(args, "precision", "fp32") as GraphPrecision;
  const t0 = performance.now();
  const t2s = convertT2s(loadCheckpoint(randomT2sCheckpoint(PRESETS[t2sPreset], 1)), { sourceSha256: "", label: "t2s" });
  const s2a = convertS2a(loadCheckpoint(randomS2aCheckpoint(PRESETS[s2aPreset], 2)), { sourceSha256: "", label: "s2a" });
  const vocos = convertVocos(loadCheckpoint(torchSave(stateDict(randomVocosStateDict(REAL_VOCOS, 3)))), { sourceSha256: "", label: "vocos" });
  const encodecGraph = buildEncoder(readEncodec(loadCheckpoint(torchSave(stateDict(randomEncodecStateDict(REAL_ENCODEC, 4)))).tensors), 2);
  console.log(`T2S ${t2sPreset} + S2A ${s2aPreset} + Vocos + EnCodec, real sizes, random weights (built in ${((performance.now() - t0) / 1000).toFixed(0)} s); ` +
    `${tokens} semantic tokens (${3 * tokens - 4} frames, ${((3 * tokens - 4) / 75).toFixed(2)} s of audio) per item`);
  const speaker = speakerVector(undefined);
  for (const p of providers) {
    const rt = await loadOrt(p);
    const t2sModel = await whisperSpeechSessions(rt, converted(t2s), {
      ...(t2s.descriptor.config as unknown as WhisperSpeechDims),
      maxPositions: tokens + 1, // fixed length: every item decodes `tokens` steps
    }, decoderPrecision(precision, rt));
    const s2aModel = await whisperSpeechSessions(rt, converted(s2a), s2a.descriptor.config as unknown as WhisperSpeechDims, decoderPrecision(precision, rt));
    const vocoder = await Vocoder.create(rt, { descriptor: vocos.descriptor, read: (f) => Promise.resolve((vocos.files as Record<string, Uint8Array>)[f]) });
    const codec = await EncodecCodec.create(rt, { encoder: encodecGraph, codebooks: 2 });
    const rates: Record<number, { t2s: number; s2a: number; e2e: number }> = {};
    for (const b of batches) {
      const items = Array.from({ length: b }, (_, i) => ({ text: textSlots(`Benchmark sentence number ${i}.`), language: 0, cpsBin: 24, seed: 1, item: i, piece: 0 }));
      const stoks = Array.from({ length: b }, (_, i) => Int32Array.from({ length: tokens }, (_, j) => (i * 7 + j * 13) % 512));
      const sItems = stoks.map((s, i) => ({ stoks: s, speaker, seed: 1, item: i, piece: 0 }));
      const sampling = { temperature: 0.7, batchSize: b };
      // Untimed run at this batch size first: ONNX Runtime's arena and the KV slab pool grow to it once, as in
      // a long run (a cold first batch-16 pass measured ~40% slower on cpu: fresh pages, the arena growing).
      await generateT2S(t2sModel, items, sampling);
      await generateS2A(s2aModel, sItems, sampling);
      let t = performance.now();
      const sem = await generateT2S(t2sModel, items, sampling);
      const t2sTime = (performance.now() - t) / 1000;
      if (sem.some((r) => r instanceof Error)) throw sem.find((r) => r instanceof Error);
      t = performance.now();
      const ac = await generateS2A(s2aModel, sItems, sampling);
      const s2aTime = (performance.now() - t) / 1000;
      t = performance.now();
      let audioSeconds = 0;
      for (const a of ac) {
        if (a instanceof Error) throw a;
        const pcm = await vocoder.decode(a.codes, a.quantizers, a.frames);
        await codec.encode(pcm, 24000);
        audioSeconds += pcm.length / 24000;
      }
      const restTime = (performance.now() - t) / 1000;
      rates[b] = { t2s: (b * tokens) / t2sTime, s2a: (b * (3 * tokens - 4)) / s2aTime, e2e: audioSeconds / (t2sTime + s2aTime + restTime) };
      console.log(`${p.padEnd(6)} batch ${String(b).padStart(2)}: T2S ${rates[b].t2s.toFixed(1)} tokens/s, S2A ${rates[b].s2a.toFixed(1)} frames/s, ` +
        `Vocos+EnCodec ${(restTime / audioSeconds).toFixed(4)} s per s of audio, end to end ${rates[b].e2e.toFixed(3)} s of audio per s`);
    }
    const first = batches[0], last = batches[batches.length - 1];
    if (first !== last) {
      console.log(`${p.padEnd(6)} batch ${last} vs ${first}: T2S x${(rates[last].t2s / rates[first].t2s).toFixed(2)}, S2A x${(rates[last].s2a / rates[first].s2a).toFixed(2)}, ` +
        `end to end x${(rates[last].e2e / rates[first].e2e).toFixed(2)} (${rt.description})`);
    }
    // Vocos alone: 10 s of codes, one item.
    const frames = 750, codes = Int32Array.from({ length: 4 * frames }, (_, i) => (i * 37) % 1024);
    await vocoder.decode(codes.subarray(0, 4 * 75), 4, 75);
    const tv = performance.now();
    await vocoder.decode(codes, 4, frames);
    console.log(`${p.padEnd(6)} Vocos 10 s of audio: ${((performance.now() - tv) / 1000).toFixed(3)} s, real-time factor ${((performance.now() - tv) / 10000).toFixed(4)}`);
    for (const s of [t2sModel.encoder, t2sModel.decoder, s2aModel.encoder, s2aModel.decoder]) await s.release();
    await vocoder.dispose();
    await codec.dispose();
  }
}
