// WebGPU (lavapipe in CI): the decoders keep their KV cache in GPU buffers between steps and read it back
// only when a row leaves or joins; the tokens must equal the cpu provider's. Skipped without an adapter.
import assert from "node:assert/strict";
import { loadOrt } from "../../deno/ort_runtime.ts";
import { loadCheckpoint } from "../../models/checkpoint/load_checkpoint.ts";
import { convertS2a, convertT2s } from "../../models/whisperspeech/converters.ts";
import { createWhisperSpeech } from "../../models/whisperspeech/load.ts";
import { PRESETS, randomS2aCheckpoint, randomT2sCheckpoint } from "../../models/whisperspeech/random_checkpoints.ts";
import type { CodesToWave } from "../../models/whisperspeech/tts_engine.ts";

const adapter = await (navigator as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu?.requestAdapter().catch(() => null);

const t2s = convertT2s(loadCheckpoint(randomT2sCheckpoint(PRESETS.micro, 21)), { sourceSha256: "", label: "t2s" });
const s2a = convertS2a(loadCheckpoint(randomS2aCheckpoint(PRESETS.micro, 22)), { sourceSha256: "", label: "s2a" });
const asModel = (c: { files: Record<string, Uint8Array>; descriptor: typeof t2s.descriptor }, maxPositions?: number) => ({
  descriptor: { ...c.descriptor, config: maxPositions ? { ...c.descriptor.config, maxPositions } : c.descriptor.config },
  read: (f: string) => Promise.resolve(c.files[f]),
});
/** Keeps the codes (no Vocos needed to compare token streams). */
const codesOnly: CodesToWave = { sampleRate: 24000, decode: (codes) => Promise.resolve(Float32Array.from(codes)) };

Deno.test({ name: "webgpu generation (KV cache on the GPU) = cpu, with ragged joins", ignore: !adapter }, async () => {
  const requests = ["One.", "A second, longer sentence.", "Three"].map((text, index) => ({ index, text }));
  const out: Record<string, unknown[]> = {};
  for (const device of ["cpu", "webgpu"]) {
    const rt = await loadOrt(device);
    assert.equal(rt.provider, device);
    const tts = await createWhisperSpeech(rt, { t2s: asModel(t2s, 9), s2a: asModel(s2a), vocoder: codesOnly }, undefined, 2);
    const results = await tts.synthesizeDetailed(requests, { temperature: 0.7, seed: 4 });
    out[device] = results.map((r) => (r.ok ? r.pieces.map((p) => [Array.from(p.stoks), Array.from(p.atoks.codes)]) : String(r.error)));
    await tts.dispose();
  }
  assert.deepEqual(out.webgpu, out.cpu);
});
