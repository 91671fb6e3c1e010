import assert from "node:assert/strict";
import { resolveConfig } from "../../core/config/load.ts";
import type { PipelineConfig } from "../../core/config/types.ts";
import { nullLogger } from "../../core/log.ts";
import { runPipeline } from "../../core/pipeline.ts";
import { MemoryStorage } from "../../core/sink/memory_storage.ts";
import { decodeCsv, decodeJsonIndices } from "../../core/sink/shard_format.ts";
import type { SourceRow, TextSource } from "../../core/source/text_source.ts";
import { inProcessFactory } from "../fakes/in_process_workers.ts";

function source(n: number): TextSource {
  return {
    label: "mem",
    count: () => Promise.resolve(n),
    async *read(o = {}) {
      for (let i = 0; i < n; i++) {
        if (o.only && !o.only.has(i)) continue;
        yield (i === 13 ? { index: i, text: "", problem: "mem: row 13: text is empty" } : { index: i, text: `row ${i} text` }) as SourceRow;
      }
    },
  };
}

function config(over: Record<string, unknown> = {}): PipelineConfig {
  return resolveConfig({
    dataset: { name: "mem" },
    processing: { devices: ["cpu"], num_procs_per_device: 2, save_batch_size: 10, batch_size: 3, max_retries: 2, ...over },
  }, {});
}

async function shardRows(s: MemoryStorage) {
  const rows = new Map<number, number[]>();
  for (const f of await s.list("audio_tokens_")) {
    for (const r of decodeCsv(s.files.get(f)!)) {
      assert.ok(!rows.has(r.index), `index ${r.index} twice`);
      rows.set(r.index, Array.from(r.tokens));
    }
  }
  return rows;
}

async function failedIndices(s: MemoryStorage) {
  const out: number[] = [];
  for (const f of await s.list("failed_indices_")) out.push(...decodeJsonIndices(s.files.get(f)!));
  return out.sort((a, b) => a - b);
}

Deno.test("runPipeline writes shards of save_batch_size rows, failed files as JSON, and a manifest", async () => {
  const storage = new MemoryStorage();
  const summary = await runPipeline(config(), {
    source: source(45), storage, logger: nullLogger,
    factory: inProcessFactory({ models: {}, bandwidth: 1.5, extra: { failAlways: [20] } }),
  });
  assert.equal(summary.done, 43);
  assert.equal(summary.failed, 2);
  assert.deepEqual(await storage.list("audio_tokens_"), [
    "audio_tokens_000000000_000000009.csv", "audio_tokens_000000010_000000019.csv",
    "audio_tokens_000000020_000000029.csv", "audio_tokens_000000030_000000039.csv", "audio_tokens_000000040_000000044.csv",
  ]);
  assert.equal((await shardRows(storage)).size, 43);
  assert.deepEqual(await failedIndices(storage), [13, 20]);
  const details = JSON.parse(new TextDecoder().decode(storage.files.get("failed_details_000000020_000000029.json")));
  assert.match(details[0].error, /injected failure for 20/);
  assert.equal(details[0].attempts, 2);
  const manifest = JSON.parse(new TextDecoder().decode(storage.files.get("manifest.json")));
  assert.equal(manifest.runs.length, 1);
  assert.equal(manifest.runs[0].status, "complete");
});

Deno.test("a re-run resumes from the output: nothing rewritten when complete; --retry-failed redoes failures", async () => {
  const storage = new MemoryStorage();
  const factory = inProcessFactory({ models: {}, bandwidth: 1.5, extra: { failAlways: [20] } });
  await runPipeline(config(), { source: source(45), storage, logger: nullLogger, factory });
  const before = new Map(storage.files);
  const again = await runPipeline(config(), { source: source(45), storage, logger: nullLogger, factory });
  assert.equal(again.total, 0);
  assert.equal(again.skipped, 45);
  for (const [k, v] of before) if (k !== "manifest.json") assert.deepEqual(storage.files.get(k), v);
  const retry = await runPipeline(config(), {
    source: source(45), storage, logger: nullLogger, retryFailed: true,
    factory: inProcessFactory({ models: {}, bandwidth: 1.5, extra: {} }),
  });
  assert.equal(retry.done, 1); // 20 now succeeds; 13 still has no text
  assert.equal((await shardRows(storage)).size, 44);
  assert.ok(storage.files.has("audio_tokens_000000013_000000020.csv"));
});

Deno.test("an unreadable shard is quarantined and its rows are redone", async () => {
  const storage = new MemoryStorage();
  const factory = inProcessFactory({ models: {}, bandwidth: 1.5, extra: {} });
  await runPipeline(config(), { source: source(30), storage, logger: nullLogger, factory });
  const tokensBefore = await shardRows(storage);
  storage.files.set("audio_tokens_000000010_000000019.csv", new TextEncoder().encode('index,tokens\n10,"[1,2'));
  storage.files.set("failed_indices_000000099_000000099.json", new TextEncoder().encode("[99]")); // orphan: no shard
  const again = await runPipeline(config(), { source: source(30), storage, logger: nullLogger, factory });
  assert.equal(again.done, 9); // 10..19 minus the problem row 13
  assert.ok(storage.files.has("quarantine/audio_tokens_000000010_000000019.csv"));
  assert.ok(!storage.files.has("failed_indices_000000099_000000099.json"));
  assert.deepEqual(await shardRows(storage), tokensBefore);
});

Deno.test("remaining indices restrict the run; test mode caps it at num_samples", async () => {
  const storage = new MemoryStorage();
  const factory = inProcessFactory({ models: {}, bandwidth: 1.5, extra: {} });
  const s = await runPipeline(config(), { source: source(100), storage, logger: nullLogger, factory, remainingIndices: [5, 50, 70] });
  assert.deepEqual([...(await shardRows(storage)).keys()].sort((a, b) => a - b), [5, 50, 70]);
  assert.equal(s.total, 3);
  const t = new MemoryStorage();
  const cfg = { ...config(), test_mode: true, num_samples: 7 };
  await runPipeline(cfg, { source: source(100), storage: t, logger: nullLogger, factory });
  assert.equal((await shardRows(t)).size, 7);
});

Deno.test("a stop keeps every finished row (partial shard) and the next run completes the rest exactly once", async () => {
  const storage = new MemoryStorage();
  // Slow workers (2 ms per item): the stop must land while most rows are still to do.
  const factory = inProcessFactory({ models: {}, bandwidth: 1.5, extra: { slowMs: 2, slowWorkers: [0, 1] } });
  const ctl = new AbortController();
  const s1 = await runPipeline(config(), {
    source: source(200), storage, logger: nullLogger, factory, signal: ctl.signal,
    onProgress: (p) => p.done >= 25 && ctl.abort(),
  });
  assert.equal(s1.aborted, true);
  const partial = await shardRows(storage);
  assert.ok(partial.size >= 25 && partial.size < 199, `${partial.size}`);
  await runPipeline(config(), { source: source(200), storage, logger: nullLogger, factory });
  const all = await shardRows(storage);
  assert.equal(all.size, 199);
  const fresh = new MemoryStorage();
  await runPipeline(config(), { source: source(200), storage: fresh, logger: nullLogger, factory });
  assert.deepEqual(all, await shardRows(fresh));
});

Deno.test("a finished job run again starts no worker and reads the dataset no more than to check it; new rows still run", async () => {
  const storage = new MemoryStorage();
  const spec = { models: {}, bandwidth: 1.5, extra: {} };
  await runPipeline(config(), { source: source(30), storage, factory: inProcessFactory(spec), logger: nullLogger });
  let reads = 0;
  const starts: number[] = [];
  const counted = (n: number): TextSource => {
    const s = source(n);
    return { ...s, read: (o) => (reads++, s.read(o)) };
  };
  const factory = inProcessFactory(spec, starts);
  const again = await runPipeline(config(), { source: counted(30), storage, factory, logger: nullLogger });
  assert.equal(starts.length, 0);
  assert.equal(reads, 1, "one pass: the done rows' texts are checked");
  assert.equal(again.total, 0);
  assert.equal(again.skipped, 30);
  // Ten rows more in the dataset: they run (the skip count is exact, not min(domain, done)).
  const more = await runPipeline(config(), { source: counted(40), storage, factory, logger: nullLogger });
  assert.ok(starts.length > 0);
  assert.equal(more.done, 10);
  assert.equal((await shardRows(storage)).size, 39);
});
