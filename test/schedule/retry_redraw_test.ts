// A retry draws other sampling noise (the attempt number is part of it), so a row whose first draw fails can
// succeed, and a rerun reproduces every row's tokens and the try that made them. Real WhisperSpeech engines
// (micro random weights; the T2S given a strong end-token bias so some rows end after one token, which is too
// little speech) behind the real worker API and scheduler.
import assert from "node:assert/strict";
import { nullLogger } from "../../core/log.ts";
import { schedule } from "../../core/schedule/scheduler.ts";
import type { FinalOutcome } from "../../core/schedule/schedule_types.ts";
import type { SourceRow } from "../../core/source/text_source.ts";
import * as realEngines from "../../deno/engines.ts";
import { PRESETS, randomT2sCheckpoint } from "../../models/whisperspeech/random_checkpoints.ts";
import { inProcessFactory } from "../fakes/in_process_workers.ts";

const dir = await Deno.makeTempDir({ prefix: "retry_redraw_" });
Deno.writeFileSync(`${dir}/t2s.model`, randomT2sCheckpoint(PRESETS.micro, 5, { endBias: 3 }));
const models = { t2s: `${dir}/t2s.model`, s2a: "demo:s2a", vocos: "demo:vocos", codec: "demo:encodec", cacheDir: `${dir}/cache` };

async function* rows(): AsyncIterable<SourceRow> {
  for (let i = 0; i < 8; i++) yield { index: i, text: `Sentence number ${i} for the retry test.` };
}

async function run() {
  const retries: { index: number; attempt: number; error: string }[] = [];
  const out: FinalOutcome[] = [];
  for await (const o of schedule(rows(), {
    factory: inProcessFactory({ models, bandwidth: 1.5 }, [], realEngines),
    workerDevices: ["cpu"],
    batchSize: 4,
    maxAttempts: 3,
    itemTimeoutMs: 120_000,
    tts: { seed: 0, temperature: 0.7 },
    logger: nullLogger,
    onRetry: (index, attempt, error) => retries.push({ index, attempt, error }),
  })) out.push(o);
  return { retries, out: out.sort((a, b) => a.item.index - b.item.index) };
}

Deno.test("a row that fails on its first draw succeeds on a retry, and a rerun gives the same tokens", async () => {
  const first = await run();
  const redrawn = first.out.filter((o) => o.kind === "done" && o.attempt > 1);
  assert.ok(redrawn.length > 0, "some row needed a second draw");
  for (const o of redrawn) {
    const failure = first.retries.find((r) => r.index === o.item.index && r.attempt === 1);
    assert.match(failure?.error ?? "", /too little speech/, `row ${o.item.index} failed its first try for its content`);
  }
  assert.ok(first.out.every((o) => o.kind === "done"), "every row succeeds within 3 tries");
  const second = await run();
  assert.deepEqual(second.out.map((o) => o.kind === "done" && [o.item.index, o.attempt, Array.from(o.item.tokens)]),
    first.out.map((o) => o.kind === "done" && [o.item.index, o.attempt, Array.from(o.item.tokens)]));
  await Deno.remove(dir, { recursive: true });
});
