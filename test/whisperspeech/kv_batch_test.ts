// KvBatch's cache bookkeeping through generation: items of very different lengths in a batch of 3 must give
// the tokens each item gets alone (on cpu). By construction this passes through every path of KvBatch:
//  - 7 items in 3 slots: finished rows leave holes that waiting rows fill (cross K/V copied into the hole);
//  - up to 104 positions per item: capacity grows past CHUNK (32) several times, dropping unneeded slots;
//  - the drain at the end: holes are compacted once they are half the batch, and the last row leaves.
// S2A because its lengths are fixed by the input (3 per semantic token); sampled, so noise must line up too.
// cpu and wasm; webgpu (caches in GPU buffers, copies on the GPU) when an adapter exists.
import assert from "node:assert/strict";
import { loadOrt } from "../../deno/ort_runtime.ts";
import { loadCheckpoint } from "../../models/checkpoint/load_checkpoint.ts";
import { convertS2a } from "../../models/whisperspeech/converters.ts";
import { type Atoks, generateS2A } from "../../models/whisperspeech/generate_s2a.ts";
import { whisperSpeechSessions } from "../../models/whisperspeech/load.ts";
import { PRESETS, randomS2aCheckpoint } from "../../models/whisperspeech/random_checkpoints.ts";
import { speakerVector } from "../../models/whisperspeech/speakers.ts";
import type { WhisperSpeechDims } from "../../models/whisperspeech/contract.ts";

const s2a = convertS2a(loadCheckpoint(randomS2aCheckpoint(PRESETS.micro, 61), "s2a"), { sourceSha256: "", label: "s2a" });
const LENGTHS = [20, 3, 35, 2, 11, 25, 4];
const speaker = speakerVector(undefined);
const items = LENGTHS.map((n, i) => ({
  stoks: Int32Array.from({ length: n }, (_, j) => (i * 31 + j * 17) % 512),
  speaker,
  seed: 5,
  item: i,
  piece: 0,
}));

const adapter = await (navigator as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu?.requestAdapter().catch(() => null);

async function sessions(device: string) {
  const rt = await loadOrt(device);
  assert.equal(rt.provider, device);
  const converted = { descriptor: s2a.descriptor, read: (f: string) => Promise.resolve((s2a.files as Record<string, Uint8Array>)[f]) };
  return await whisperSpeechSessions(rt, converted, s2a.descriptor.config as unknown as WhisperSpeechDims);
}

const codes = (r: Atoks | Error) => {
  if (r instanceof Error) throw r;
  return Array.from(r.codes);
};

/** Each item alone, on cpu (providers agree token for token: webgpu_generation_test). */
let aloneCache: number[][] | undefined;
async function alone() {
  if (aloneCache) return aloneCache;
  const model = await sessions("cpu");
  aloneCache = [];
  for (const it of items) aloneCache.push(codes((await generateS2A(model, [it], { temperature: 0.8, batchSize: 1 }))[0]));
  return aloneCache;
}

for (const device of ["cpu", "wasm", "webgpu"] as const) {
  Deno.test({
    name: `KvBatch: holes, refills, growth past capacity and drain = each item alone (${device})`,
    ignore: device === "webgpu" && !adapter,
    fn: async () => {
      const want = await alone();
      const model = await sessions(device);
      let steps = 0;
      const batched = await generateS2A(model, items, { temperature: 0.8, batchSize: 3, onStep: () => steps++ });
      assert.deepEqual(batched.map(codes), want);
      // Far fewer steps than one at a time: the rows really ran together.
      const total = LENGTHS.reduce((a, n) => a + 3 * n - 1, 0);
      assert.ok(steps < total / 2, `${steps} steps for ${total} positions`);
      await Promise.all([model.encoder.release(), model.decoder.release()]);
    },
  });
}
