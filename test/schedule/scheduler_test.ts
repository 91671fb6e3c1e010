import assert from "node:assert/strict";
import { schedule } from "../../core/schedule/scheduler.ts";
import type { FinalOutcome, ScheduleOptions } from "../../core/schedule/schedule_types.ts";
import type { SourceRow } from "../../core/source/text_source.ts";
import { nullLogger } from "../../core/log.ts";
import { inProcessFactory } from "../fakes/in_process_workers.ts";

async function* rowsOf(n: number, problem?: number): AsyncIterable<SourceRow> {
  for (let i = 0; i < n; i++) yield i === problem ? { index: i, text: "", problem: `row ${i}: text is empty` } : { index: i, text: `text number ${i}` };
}

async function run(n: number, extra: Record<string, unknown>, opts: Partial<ScheduleOptions> = {}, starts: number[] = []) {
  const out: FinalOutcome[] = [];
  for await (const o of schedule(rowsOf(n, opts.batchSize === 3 ? 5 : undefined), {
    factory: inProcessFactory({ models: {}, bandwidth: 1.5, extra }, starts),
    workerDevices: ["cpu", "cpu"],
    batchSize: 4,
    maxAttempts: 3,
    itemTimeoutMs: 2000,
    tts: { seed: 1 },
    logger: nullLogger,
    ...opts,
  })) out.push(o);
  return out;
}

function assertExactlyOnce(out: FinalOutcome[], n: number) {
  const seen = out.map((o) => o.item.index).sort((a, b) => a - b);
  assert.deepEqual(seen, Array.from({ length: n }, (_, i) => i));
}

Deno.test("schedule() yields exactly one outcome per row; problem rows fail without a try", async () => {
  const out = await run(50, {}, { batchSize: 3 });
  assertExactlyOnce(out, 50);
  const bad = out.find((o) => o.item.index === 5)!;
  assert.equal(bad.kind, "failed");
  assert.equal(bad.kind === "failed" && bad.item.attempts, 0);
  assert.equal(out.filter((o) => o.kind === "done").length, 49);
});

Deno.test("schedule() retries a fail-once item and gives up a fail-always item with its last error", async () => {
  const retries: number[] = [];
  const out = await run(20, { failOnce: [3], failAlways: [7] }, { onRetry: (i) => retries.push(i) });
  assertExactlyOnce(out, 20);
  const retried = out.find((o) => o.item.index === 3)!;
  assert.equal(retried.kind === "done" && retried.attempt, 2, "the done outcome names the try that made it");
  assert.ok(out.every((o) => o.kind !== "done" || o.item.index === 3 || o.attempt === 1));
  const f = out.find((o) => o.item.index === 7)!;
  assert.equal(f.kind, "failed");
  if (f.kind === "failed") {
    assert.equal(f.item.attempts, 3);
    assert.match(f.item.error, /injected failure for 7/);
  }
  assert.ok(retries.includes(3) && retries.filter((i) => i === 7).length === 2);
});

Deno.test("schedule() replaces a hung worker and finishes its batch mates", async () => {
  const starts: number[] = [];
  const out = await run(12, { hang: [6] }, { itemTimeoutMs: 100, maxAttempts: 2 }, starts);
  assertExactlyOnce(out, 12);
  const hung = out.find((o) => o.item.index === 6)!;
  assert.equal(hung.kind, "failed");
  assert.match(hung.kind === "failed" ? hung.item.error : "", /hung/);
  assert.ok(starts.length > 2, "a replacement worker was started");
  assert.equal(out.filter((o) => o.kind === "done").length, 11);
});

Deno.test("schedule() treats a lost device as a broken worker: replaced, items retried", async () => {
  const starts: number[] = [];
  const out = await run(10, { deviceLost: [2] }, { maxAttempts: 2 }, starts);
  assertExactlyOnce(out, 10);
  assert.equal(out.find((o) => o.item.index === 2)!.kind, "failed");
  assert.ok(starts.length >= 3);
});

Deno.test("schedule() finishes every row with one slow worker among fast ones", async () => {
  const out = await run(40, { slowMs: 30, slowWorkers: [0] }, { batchSize: 2 });
  assertExactlyOnce(out, 40);
});

Deno.test("schedule() stops cleanly when workers cannot start", async () => {
  const gen = schedule(rowsOf(5), {
    factory: () => Promise.reject(new Error("model file missing")),
    workerDevices: ["cpu"],
    batchSize: 2,
    maxAttempts: 3,
    itemTimeoutMs: 1000,
    tts: {},
    logger: nullLogger,
  });
  await assert.rejects(async () => {
    for await (const _ of gen) { /* drain */ }
  }, /could not start after 3 tries: model file missing/);
});

Deno.test("schedule() ends early on abort without losing finished outcomes", async () => {
  const ctl = new AbortController();
  const out: FinalOutcome[] = [];
  for await (const o of schedule(rowsOf(1000), {
    factory: inProcessFactory({ models: {}, bandwidth: 1.5, extra: {} }),
    workerDevices: ["cpu"],
    batchSize: 5,
    maxAttempts: 1,
    itemTimeoutMs: 1000,
    tts: {},
    logger: nullLogger,
    signal: ctl.signal,
  })) {
    out.push(o);
    if (out.length === 20) ctl.abort();
  }
  assert.ok(out.length >= 20 && out.length < 1000);
  assert.equal(new Set(out.map((o) => o.item.index)).size, out.length);
});
