// The TtsEngine contract every engine passes: one result per request in order, PCM at sampleRate with audio in
// it, per-item failures that do not fail the batch, same output for the same (seed, index) whatever the batch.
import assert from "node:assert/strict";
import type { TtsEngine } from "../../core/worker/tts_engine.ts";

export function ttsEngineContract(name: string, make: () => Promise<TtsEngine>) {
  Deno.test(`TtsEngine contract: ${name}`, async (t) => {
    const tts = await make();
    try {
      const requests = [{ index: 3, text: "Hello world." }, { index: 9, text: "Zażółć gęślą jaźń." }, { index: 4, text: "   " }];
      const results = await tts.synthesize(requests, { seed: 5, temperature: 0.7 });
      await t.step("one result per request, in order; bad rows fail alone", () => {
        assert.deepEqual(results.map((r) => r.index), [3, 9, 4]);
        assert.ok(results[0].ok && results[1].ok);
        assert.ok(!results[2].ok && /empty/.test(results[2].error.message), "an empty text fails with a reason");
      });
      await t.step("PCM at sampleRate with sound in it", () => {
        for (const r of results.slice(0, 2)) {
          if (!r.ok) throw r.error;
          assert.equal(r.sampleRate, tts.sampleRate);
          assert.ok(r.pcm.length > 0 && r.pcm.some((v) => v !== 0));
          assert.ok(r.pieces >= 1);
        }
      });
      await t.step("the same (seed, index) gives the same PCM whatever the batch", async () => {
        const [alone] = await tts.synthesize([requests[1]], { seed: 5, temperature: 0.7 });
        assert.ok(alone.ok && results[1].ok);
        assert.deepEqual(alone.pcm, results[1].pcm);
      });
      await t.step("attempt 1 is the first try; a retry (attempt 2) draws other output, the same every time", async () => {
        const options = { seed: 5, temperature: 0.7 };
        const [first] = await tts.synthesize([{ ...requests[0], attempt: 1 }], options);
        const [retry, again] = await tts.synthesize([{ ...requests[0], attempt: 2 }, { ...requests[0], attempt: 2 }], options);
        assert.ok(first.ok && retry.ok && again.ok && results[0].ok);
        assert.deepEqual(first.pcm, results[0].pcm);
        assert.notDeepEqual(retry.pcm, first.pcm);
        assert.deepEqual(retry.pcm, again.pcm);
      });
    } finally {
      await tts.dispose();
    }
  });
}
