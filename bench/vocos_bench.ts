// Vocos (vocos-encodec-24khz) decode speed at the real model size (random weights): 10 s of codes (750 frames,
// 4 codebooks), one item per run as in production, per provider. Real-time factor = seconds spent / seconds made.
import { loadOrt } from "../deno/ort_runtime.ts";
import { loadCheckpoint } from "../models/checkpoint/load_checkpoint.ts";
import { stateDict, torchSave } from "../models/checkpoint/writer.ts";
import { seededRandom } from "../models/encodec/random_weights.ts";
import { convertVocos } from "../models/vocos/convert.ts";
import { randomVocosStateDict, REAL_VOCOS } from "../models/vocos/random_weights.ts";
import { Vocoder } from "../models/vocos/vocoder.ts";
import { VOCOS } from "../models/whisperspeech/contract.ts";

export async function run(args: string[]) {
  const seconds = Number(args.find((a) => a.startsWith("--seconds="))?.slice(10) ?? 10);
  const providers = (args.find((a) => a.startsWith("--providers="))?.slice(12) ?? "cpu,wasm,webgpu").split(",");
  const repeats = Number(args.find((a) => a.startsWith("--repeats="))?.slice(10) ?? 3);
  const t0 = performance.now();
  const converted = convertVocos(loadCheckpoint(torchSave(stateDict(randomVocosStateDict(REAL_VOCOS, 1)))), { sourceSha256: "", label: "vocos" });
  const graph = converted.files[VOCOS.file];
  const frames = seconds * 75, r = seededRandom(2);
  const codes = Int32Array.from({ length: 4 * frames }, () => Math.floor(((r() + 1) / 2) * 1024));
  console.log(`Vocos encodec-24khz (real size, random weights; graph ${(graph.length / 1e6).toFixed(1)} MB, built in ` +
    `${((performance.now() - t0) / 1000).toFixed(1)} s), 4 codebooks, ${seconds} s of audio, best of ${repeats}`);
  for (const p of providers) {
    const rt = await loadOrt(p);
    const vocoder = await Vocoder.create(rt, graph);
    await vocoder.decode(codes.subarray(0, 4 * 75), 4, 75); // warm-up (1 s)
    let best = Infinity;
    for (let i = 0; i < repeats; i++) {
      const t = performance.now();
      await vocoder.decode(codes, 4, frames);
      best = Math.min(best, (performance.now() - t) / 1000);
    }
    console.log(`${p.padEnd(7)} ${rt.description}: ${best.toFixed(3)} s, real-time factor ${(best / seconds).toFixed(4)}`);
    await vocoder.dispose();
  }
}
