// Fault injection: rows that fail once, fail always, hang, crash their worker, or lose the device; storage that
// fills up or turns read-only mid-run. Each row ends accounted for; the run goes on where it can and stops
// cleanly where it cannot, with everything written so far intact.
import assert from "node:assert/strict";
import { resolveConfig } from "../../core/config/load.ts";
import { StorageError } from "../../core/errors.ts";
import { nullLogger } from "../../core/log.ts";
import { runPipeline } from "../../core/pipeline.ts";
import { MemoryStorage } from "../../core/sink/memory_storage.ts";
import { decodeCsv } from "../../core/sink/shard_format.ts";
import type { SourceRow, TextSource } from "../../core/source/text_source.ts";
import { inProcessFactory } from "../fakes/in_process_workers.ts";
import { FAKES, makeJob, runCli } from "../pipeline/cli_helpers.ts";

export const FAULT_STATS = { injected: 0 };

Deno.test("worker faults through the CLI (real Deno workers): every row done or failed with its reason", async () => {
  const dir = await Deno.makeTempDir();
  const cfg = makeJob(dir, 60, { save_batch_size: 10, max_retries: 3, item_timeout_s: 1, batch_size: 3 });
  const faults = { failOnce: [3, 40], failAlways: [7], hang: [21], crash: [33], deviceLost: [50], stateDir: dir };
  FAULT_STATS.injected += 6;
  const r = await runCli(["--config", cfg, "--engine-module", FAKES], { ICHIGO_ENGINE_EXTRA: JSON.stringify(faults) });
  assert.equal(r.code, 0, r.stderr);
  const done = new Set<number>();
  const details = new Map<number, { error: string; attempts: number }>();
  for (const e of Deno.readDirSync(`${dir}/out`)) {
    if (e.name.startsWith("audio_tokens_")) decodeCsv(Deno.readFileSync(`${dir}/out/${e.name}`)).forEach((x) => done.add(x.index));
    if (e.name.startsWith("failed_details_")) {
      for (const d of JSON.parse(Deno.readTextFileSync(`${dir}/out/${e.name}`))) details.set(d.index, d);
    }
  }
  assert.deepEqual([...details.keys()].sort((a, b) => a - b), [7, 21, 33, 50]);
  assert.equal(done.size + details.size, 60);
  assert.ok(done.has(3) && done.has(40), "fail-once rows succeed on retry");
  assert.match(details.get(7)!.error, /injected failure for 7/);
  assert.equal(details.get(7)!.attempts, 3);
  assert.match(details.get(21)!.error, /hung/);
  assert.match(details.get(33)!.error, /crashed|injected crash/);
  assert.match(details.get(50)!.error, /device lost/);
  // Neighbours of the poison rows were not taken down with them.
  for (const n of [20, 22, 32, 34, 49, 51]) assert.ok(done.has(n), `row ${n} done`);
});

/** A storage that fails every write after the first `okWrites` (disk full, or turned read-only). */
class FailingStorage extends MemoryStorage {
  writes = 0;
  constructor(private okWrites: number, private reason: string) {
    super("failing");
  }
  override write(path: string, data: Uint8Array) {
    if (++this.writes > this.okWrites) return Promise.reject(new StorageError(`failing/${path}: cannot write (${this.reason})`));
    return super.write(path, data);
  }
}

function source(n: number): TextSource {
  return {
    label: "mem",
    count: () => Promise.resolve(n),
    async *read(o = {}) {
      for (let i = 0; i < n; i++) if (!o.only || o.only.has(i)) yield { index: i, text: `row ${i}` } as SourceRow;
    },
  };
}

for (const reason of ["No space left on device (os error 28)", "Read-only file system (os error 30)"]) {
  Deno.test(`storage failing mid-run (${reason.split(" (")[0]}): the run stops with a StorageError, written shards intact, a re-run completes exactly once`, async () => {
    FAULT_STATS.injected++;
    const config = resolveConfig({ dataset: { name: "mem" }, processing: { devices: ["cpu"], save_batch_size: 10, batch_size: 4 } }, {});
    const factory = inProcessFactory({ models: {}, bandwidth: 1.5, extra: {} });
    const storage = new FailingStorage(8, reason); // job.json, manifest, 3 x (sidecar, shard), then failures
    await assert.rejects(runPipeline(config, { source: source(100), storage, factory, logger: nullLogger }), (e: Error) => {
      assert.ok(e instanceof StorageError);
      assert.match(e.message, new RegExp(reason.split(" (")[0]));
      return true;
    });
    const kept = new Map(storage.files);
    assert.equal([...kept.keys()].filter((k) => k.startsWith("audio_tokens_")).length, 3);
    for (const [k, v] of kept) if (k.startsWith("audio_tokens_")) assert.ok(decodeCsv(v).length === 10, k);
    // Space is back: the same output folder is completed without touching what was there.
    const healed = new MemoryStorage();
    for (const [k, v] of kept) await healed.write(k, v);
    await runPipeline(config, { source: source(100), storage: healed, factory, logger: nullLogger });
    for (const [k, v] of kept) if (k.startsWith("audio_tokens_")) assert.deepEqual(healed.files.get(k), v);
    const all = [...healed.files.keys()].filter((k) => k.startsWith("audio_tokens_")).flatMap((k) => decodeCsv(healed.files.get(k)!).map((r) => r.index));
    assert.equal(all.length, 100);
    assert.equal(new Set(all).size, 100);
  });
}
