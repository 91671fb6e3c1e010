// fp16 Vocos against fp32 (real size, seeded random weights) on one provider: the waveform's SNR in dB, fp32 as
// the signal and the difference as the noise, and the EnCodec codes (fp32 EnCodec, real size, random weights,
// 1.5 kbps, on cpu) of the two waveforms compared. Usage: deno run -A bench/vocos_fp16.ts [--device=webgpu]
//   [--seconds=2]   (prints one JSON line)
import { loadOrt } from "../deno/ort_runtime.ts";
import { loadCheckpoint } from "../models/checkpoint/load_checkpoint.ts";
import { stateDict, torchSave } from "../models/checkpoint/writer.ts";
import { EncodecCodec } from "../models/encodec/codec.ts";
import { buildEncoder } from "../models/encodec/graph.ts";
import { randomEncodecStateDict, REAL_ENCODEC, seededRandom } from "../models/encodec/random_weights.ts";
import { readEncodec } from "../models/encodec/weights.ts";
import { buildVocos } from "../models/vocos/graph.ts";
import { randomVocosStateDict, REAL_VOCOS } from "../models/vocos/random_weights.ts";
import { Vocoder } from "../models/vocos/vocoder.ts";
import { readVocos } from "../models/vocos/weights.ts";

/** 10 log10(Σ ref² / Σ (ref - x)²). */
export function snrDb(ref: Float32Array, x: Float32Array): number {
  let signal = 0, noise = 0;
  ref.forEach((v, i) => {
    signal += v * v;
    noise += (v - x[i]) ** 2;
  });
  return 10 * Math.log10(signal / noise);
}

export async function vocosFp16(device: string, seconds: number) {
  const t0 = performance.now();
  const w = readVocos(loadCheckpoint(torchSave(stateDict(randomVocosStateDict(REAL_VOCOS, 1)))), "vocos");
  const graphs = { fp32: buildVocos(w), fp16: buildVocos(w, "fp16") };
  const frames = Math.round(seconds * 75), r = seededRandom(2);
  const codes = Int32Array.from({ length: 4 * frames }, () => Math.floor(((r() + 1) / 2) * 1024));
  const rt = await loadOrt(device);
  const wave: Record<string, Float32Array> = {};
  for (const [p, graph] of Object.entries(graphs)) {
    const vocoder = await Vocoder.create(rt, graph);
    wave[p] = await vocoder.decode(codes, 4, frames);
    await vocoder.dispose();
  }
  const encoder = buildEncoder(readEncodec(loadCheckpoint(torchSave(stateDict(randomEncodecStateDict(REAL_ENCODEC, 1)))).tensors), 2);
  const codec = await EncodecCodec.create(await loadOrt("cpu"), { encoder, codebooks: 2 });
  const a = await codec.encode(wave.fp32, 24000), b = await codec.encode(wave.fp16, 24000);
  await codec.dispose();
  let equal = 0;
  a.forEach((v, i) => (equal += v === b[i] ? 1 : 0));
  return {
    provider: rt.description,
    seconds,
    bytes: { fp32: graphs.fp32.length, fp16: graphs.fp16.length },
    snrDb: snrDb(wave.fp32, wave.fp16),
    encodecCodes: { equal, total: Math.max(a.length, b.length) },
    wallSeconds: (performance.now() - t0) / 1000,
  };
}

if (import.meta.main) {
  const opt = (k: string) => Deno.args.find((a) => a.startsWith(`--${k}=`))?.split("=")[1];
  console.log(JSON.stringify(await vocosFp16(opt("device") ?? "webgpu", Number(opt("seconds") ?? 2))));
}
