// The distributed worker loop over an in-memory queue and in-process fake workers: one shard per range, acked
// only after the shard is written; redeliveries rewrite nothing; transient write errors are retried, then dead.
import assert from "node:assert/strict";
import { nullLogger } from "../../core/log.ts";
import { runRangeWorker } from "../../core/distributed/range_worker.ts";
import type { RangeWork } from "../../core/distributed/messages.ts";
import { MemoryStorage } from "../../core/sink/memory_storage.ts";
import { decodeCsv, decodeJsonIndices } from "../../core/sink/shard_format.ts";
import { inProcessFactory } from "../fakes/in_process_workers.ts";
import { MemoryQueue } from "./memory_queue.ts";

const works = (n: number, size: number): RangeWork[] =>
  Array.from({ length: Math.ceil(n / size) }, (_, k) => {
    const idx = Array.from({ length: Math.min(size, n - k * size) }, (_, i) => k * size + i);
    const key = `${String(idx[0]).padStart(9, "0")}_${String(idx[idx.length - 1]).padStart(9, "0")}`;
    return { key, rows: idx.map((i) => (i === 5 ? { index: i, text: "", problem: "row 5: text is empty" } : { index: i, text: `row ${i}` })) };
  });

function run(queue: MemoryQueue, storage: MemoryStorage, extra: Record<string, unknown> = {}, maxDeliver = 3, maxAttempts = 2) {
  return runRangeWorker({
    queue,
    results: queue,
    storage,
    format: "csv",
    scheduling: {
      factory: inProcessFactory({ models: {}, bandwidth: 1.5, extra }),
      workerDevices: ["cpu", "cpu"],
      batchSize: 3,
      maxAttempts,
      itemTimeoutMs: 2000,
      tts: { seed: 1 },
      logger: nullLogger,
    },
    maxDeliver,
    heartbeatMs: 50,
    workerId: "test",
    logger: nullLogger,
    pollMs: 10,
    stopping: () => false,
    idle: () => Promise.resolve(queue.settled),
  });
}

async function shardRows(s: MemoryStorage) {
  const rows = new Map<number, string>();
  for (const f of await s.list("audio_tokens_")) {
    for (const r of decodeCsv(s.files.get(f)!)) {
      assert.ok(!rows.has(r.index), `index ${r.index} twice`);
      rows.set(r.index, Array.from(r.tokens).join(","));
    }
  }
  return rows;
}

Deno.test("range worker: one shard per range, failed rows in its failed file, each range acked once after its write", async () => {
  const queue = new MemoryQueue(works(47, 10));
  const storage = new MemoryStorage();
  const stats = await run(queue, storage, { failAlways: [12] });
  assert.deepEqual(await storage.list("audio_tokens_"), [
    "audio_tokens_000000000_000000009.csv", "audio_tokens_000000010_000000019.csv", "audio_tokens_000000020_000000029.csv",
    "audio_tokens_000000030_000000039.csv", "audio_tokens_000000040_000000046.csv",
  ]);
  assert.equal((await shardRows(storage)).size, 45);
  assert.deepEqual(decodeJsonIndices(storage.files.get("failed_indices_000000000_000000009.json")!), [5]);
  assert.deepEqual(decodeJsonIndices(storage.files.get("failed_indices_000000010_000000019.json")!), [12]);
  assert.deepEqual(queue.events.filter((e) => e.startsWith("ack")).length, 5);
  assert.equal(queue.events.length, 5);
  assert.deepEqual(queue.results.map((r) => [r.key, r.state, r.rows, r.failed]).sort(), [
    ["000000000_000000009", "done", 9, 1], ["000000010_000000019", "done", 9, 1], ["000000020_000000029", "done", 10, 0],
    ["000000030_000000039", "done", 10, 0], ["000000040_000000046", "done", 7, 0],
  ]);
  assert.deepEqual({ ranges: stats.ranges, rows: stats.rows, failed: stats.failed }, { ranges: 5, rows: 45, failed: 2 });
});

Deno.test("range worker: a redelivered range already written is acked without redoing it; its shard is untouched", async () => {
  const ws = works(20, 10);
  const storage = new MemoryStorage();
  await run(new MemoryQueue(ws), storage);
  const before = new Map(storage.files);
  const queue = new MemoryQueue([]);
  queue.redeliver(ws[1], 1);
  const stats = await run(queue, storage, { failAlways: [15] }); // would fail row 15 if it were redone
  assert.equal(stats.rows, 0);
  assert.deepEqual(queue.events, ["ack 000000010_000000019 #2"]);
  assert.deepEqual(queue.results.map((r) => [r.state, r.rows]), [["done", 10]]);
  assert.deepEqual(storage.files, before);
});

Deno.test("range worker: a write that fails is given back with a delay, retried, and stale side files removed", async () => {
  const storage = new MemoryStorage();
  let failures = 1;
  const write = storage.write.bind(storage);
  storage.write = (path, data) => path.startsWith("audio_tokens_000000010") && failures-- > 0 ? Promise.reject(new Error("disk hiccup")) : write(path, data);
  const queue = new MemoryQueue([works(20, 10)[1]]);
  await run(queue, storage, { failOnce: [13] }, 3, 1);
  assert.deepEqual(queue.events, ["nak 000000010_000000019 #1 1000ms", "ack 000000010_000000019 #2"]);
  // Try 1 failed row 13 and wrote its failed-index file before the shard write failed; try 2 did row 13.
  assert.equal(storage.files.has("failed_indices_000000010_000000019.json"), false);
  assert.equal(storage.files.has("failed_details_000000010_000000019.json"), false);
  assert.equal((await shardRows(storage)).size, 10);
});

Deno.test("range worker: a range that keeps failing is terminated at max_deliver and recorded dead", async () => {
  const storage = new MemoryStorage();
  const write = storage.write.bind(storage);
  storage.write = (path, data) => path.includes("000000010") ? Promise.reject(new Error("read-only file system")) : write(path, data);
  const queue = new MemoryQueue(works(20, 10), 2);
  await run(queue, storage, {}, 2);
  assert.deepEqual(queue.events.filter((e) => e.includes("000000010")), ["nak 000000010_000000019 #1 1000ms", "term 000000010_000000019 #2"]);
  const dead = queue.results.find((r) => r.state === "dead")!;
  assert.equal(dead.key, "000000010_000000019");
  assert.match(dead.error!, /read-only file system/);
  assert.equal(dead.deliveries, 2);
  assert.equal((await shardRows(storage)).size, 9);
});

Deno.test("range worker: the same range delivered twice while in progress is done once and acked for both", async () => {
  const ws = works(10, 10);
  const queue = new MemoryQueue([ws[0]]);
  queue.redeliver(ws[0], 1);
  const storage = new MemoryStorage();
  let shardWrites = 0;
  const write = storage.write.bind(storage);
  storage.write = (p, d) => (p.startsWith("audio_tokens_") && shardWrites++, write(p, d));
  await run(queue, storage, { slowMs: 20, slowWorkers: [0, 1] });
  assert.equal(shardWrites, 1);
  assert.deepEqual(queue.events.sort(), ["ack 000000000_000000009 #1", "ack 000000000_000000009 #2"]);
});
