// EnCodec 24 kHz encode speed at the real model size (random weights), 10 s of audio, per provider.
import { loadOrt } from "../deno/ort_runtime.ts";
import { EncodecCodec } from "../models/encodec/codec.ts";
import { buildEncoder } from "../models/encodec/graph.ts";
import { randomEncodecStateDict, REAL_ENCODEC, seededRandom } from "../models/encodec/random_weights.ts";
import { readEncodec } from "../models/encodec/weights.ts";
import { loadCheckpoint } from "../models/checkpoint/load_checkpoint.ts";
import { stateDict, torchSave } from "../models/checkpoint/writer.ts";

export async function run(args: string[]) {
  const seconds = Number(args.find((a) => a.startsWith("--seconds="))?.slice(10) ?? 10);
  const providers = (args.find((a) => a.startsWith("--providers="))?.slice(12) ?? "cpu,wasm,webgpu").split(",");
  const repeats = Number(args.find((a) => a.startsWith("--repeats="))?.slice(10) ?? 3);
  const w = readEncodec(loadCheckpoint(torchSave(stateDict(randomEncodecStateDict(REAL_ENCODEC, 1, "original")))).tensors);
  const graph = buildEncoder(w, 2);
  const r = seededRandom(2);
  const pcm = Float32Array.from({ length: seconds * 24000 }, (_, i) => 0.3 * Math.sin(i / 11) + 0.05 * r());
  console.log(`EnCodec 24 kHz encoder (real size, random weights), 1.5 kbps, ${seconds} s of audio, best of ${repeats}`);
  for (const p of providers) {
    const rt = await loadOrt(p);
    const codec = await EncodecCodec.create(rt, { encoder: graph, codebooks: 2 });
    await codec.encode(pcm.subarray(0, 24000), 24000); // warm-up
    let best = Infinity;
    for (let i = 0; i < repeats; i++) {
      const t0 = performance.now();
      await codec.encode(pcm, 24000);
      best = Math.min(best, (performance.now() - t0) / 1000);
    }
    console.log(`${p.padEnd(7)} ${rt.description}: ${best.toFixed(3)} s, real-time factor ${(best / seconds).toFixed(4)}`);
    await codec.dispose();
  }
}
