// Child process of gpu-check: the same micro models (seeded random weights) on cpu and on this process's
// WebGPU adapter; prints JSON: token and code agreement, and the Vocos waveform's SNR against cpu.
import { loadOrt } from "../deno/ort_runtime.ts";
import type { ModelDescriptor } from "../models/convert/descriptor.ts";
import { EncodecCodec } from "../models/encodec/codec.ts";
import type { OrtRuntime } from "../models/onnx/runtime.ts";
import { Vocoder } from "../models/vocos/vocoder.ts";
import { createWhisperSpeech } from "../models/whisperspeech/load.ts";
import type { CodesToWave } from "../models/whisperspeech/tts_engine.ts";
import { microModels } from "./gpu_check_graphs.ts";

export interface Parity {
  provider: string;
  /** Semantic + acoustic tokens equal to cpu's, of how many (3 texts, temperature 0.7, seeded). */
  tts: { equal: number; total: number };
  encodec: { equal: number; total: number };
  vocosSnrDb: number;
  seconds: number;
}

const asModel = (c: { files: Record<string, Uint8Array>; descriptor: ModelDescriptor }, maxPositions?: number) => ({
  descriptor: { ...c.descriptor, config: maxPositions ? { ...c.descriptor.config, maxPositions } : c.descriptor.config },
  read: (f: string) => Promise.resolve(c.files[f]),
});
const codesOnly: CodesToWave = { sampleRate: 24000, decode: (codes) => Promise.resolve(Float32Array.from(codes)) };

async function outputs(rt: OrtRuntime, m: ReturnType<typeof microModels>) {
  const tts = await createWhisperSpeech(rt, { t2s: asModel(m.t2s, 24), s2a: asModel(m.s2a), vocoder: codesOnly }, undefined, 2);
  const requests = ["One.", "A second, longer sentence.", "Three"].map((text, index) => ({ index, text }));
  const results = await tts.synthesizeDetailed(requests, { temperature: 0.7, seed: 4 });
  const tokens = results.flatMap((r) => (r.ok ? r.pieces.flatMap((p) => [...p.stoks, ...p.atoks.codes]) : [-1]));
  await tts.dispose();
  const vocoder = await Vocoder.create(rt, asModel({ descriptor: m.vocos.descriptor, files: m.vocos.files as Record<string, Uint8Array> }));
  const wave = await vocoder.decode(Int32Array.from({ length: 4 * 75 }, (_, i) => (i * 37) % 1024), 4, 75);
  await vocoder.dispose();
  const codec = await EncodecCodec.create(rt, { encoder: m.encodec, codebooks: 2 });
  const pcm = Float32Array.from({ length: 24000 }, (_, i) => 0.5 * Math.sin(i * 0.031) + 0.2 * Math.sin(i * 0.0071));
  const codes = await codec.encode(pcm, 24000);
  await codec.dispose();
  return { tokens, wave, codes };
}

export async function parity(device = "webgpu"): Promise<Parity> {
  const t0 = performance.now();
  const m = microModels();
  const rt = await loadOrt(device);
  const gpu = await outputs(rt, m);
  const cpu = await outputs(await loadOrt("cpu"), m);
  const agree = (a: ArrayLike<number>, b: ArrayLike<number>) => ({
    equal: Array.from(a).filter((v, i) => v === b[i]).length,
    total: Math.max(a.length, b.length),
  });
  let signal = 0, noise = 0;
  cpu.wave.forEach((v, i) => {
    signal += v * v;
    noise += (v - gpu.wave[i]) ** 2;
  });
  return {
    provider: rt.description,
    tts: agree(gpu.tokens, cpu.tokens),
    encodec: agree(gpu.codes, cpu.codes),
    vocosSnrDb: noise === 0 ? Infinity : 10 * Math.log10(signal / noise),
    seconds: (performance.now() - t0) / 1000,
  };
}

if (import.meta.main) console.log(JSON.stringify(await parity()));
