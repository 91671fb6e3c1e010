// Scale-out end to end, the failure path: a range whose row crashes every host that takes it is given up after
// max_deliver (the server's dead-letter advisory), its indices are recorded as failed and the coordinator exits 3;
// `--retry-failed` then redoes exactly those rows into a new shard.
import assert from "node:assert/strict";
import { nullLogger } from "../../core/log.ts";
import { scanOutput } from "../../core/sink/resume.ts";
import { FsStorage } from "../../deno/fs_storage.ts";
import { FAKES, makeJob } from "../pipeline/cli_helpers.ts";
import { NatsServer } from "./nats_server.ts";
import { Proc } from "./procs.ts";

const MAIN = new URL("../../deno/main.ts", import.meta.url).pathname;
const WORKER = new URL("../../deno/nats/worker_main.ts", import.meta.url).pathname;
const DEAD = "000000010_000000019";

Deno.test("scale-out on NATS: a range that kills every host dies after max_deliver; exit 3; --retry-failed redoes it", async () => {
  const server = await NatsServer.start();
  const procs: Proc[] = [];
  const dir = await Deno.makeTempDir({ prefix: "dead_range_" });
  try {
    const cfg = makeJob(dir, 30, { save_batch_size: 10, batch_size: 2, num_procs_per_device: 1 });
    Deno.writeTextFileSync(cfg, Deno.readTextFileSync(cfg).replace("WARNING", "INFO") +
      `distributed: {nats: "${server.url}", ack_wait_s: 1, max_deliver: 2}\n`);
    const out = `${dir}/out`;
    const args = ["--config", cfg, "--engine-module", FAKES];
    const poison = { ICHIGO_ENGINE_EXTRA: JSON.stringify({ killProcess: [15] }) };
    const coordinator = new Proc("coordinator", MAIN, args, poison);
    procs.push(coordinator);
    // Whenever the worker dies, another starts (as a service manager would), until the job is over.
    const supervisor = (async () => {
      for (let n = 1; !coordinator.exited; n++) {
        const w = new Proc(`worker ${n}`, WORKER, args, poison);
        procs.push(w);
        await Promise.race([w.status, coordinator.status]);
      }
    })();
    assert.equal(await coordinator.exitCode(40_000), 3, coordinator.log);
    await supervisor;
    assert.equal(await procs.at(-1)!.exitCode(10_000), 0, "the last worker leaves once the job is finished");
    // The poison range is dead; a range that shared a crashed host twice may be too (each crash costs every range
    // the host held a delivery). Whatever died is failed, index by index, and nothing else is.
    const manifest = JSON.parse(Deno.readTextFileSync(`${out}/manifest.json`));
    const dead: string[] = manifest.runs.at(-1).distributed.dead;
    assert.equal(manifest.runs.at(-1).status, "failed");
    assert.ok(dead.includes(DEAD), dead.join(" "));
    assert.match(coordinator.log, new RegExp(`finished with dead ranges: .*${DEAD}.*--retry-failed`));
    const details = JSON.parse(Deno.readTextFileSync(`${out}/failed_details_${DEAD}.json`));
    assert.match(details[0].error, /range died: .*2 (deliveries|times)/);
    const deadRows = dead.flatMap((k) => {
      const [a, b] = k.split("_").map(Number);
      return Array.from({ length: b - a + 1 }, (_, i) => a + i);
    });
    const before = await scanOutput(await FsStorage.open(out), nullLogger);
    assert.deepEqual([...before.failed].sort((a, b) => a - b), deadRows.sort((a, b) => a - b));
    assert.equal(before.done.size + before.failed.size, 30);

    // The cause is fixed (no poison): a retry redoes the dead range's rows in a shard of its own.
    const retry = new Proc("coordinator (retry)", MAIN, [...args, "--retry-failed"], {});
    const worker = new Proc("worker (retry)", WORKER, args, {});
    procs.push(retry, worker);
    assert.equal(await retry.exitCode(30_000), 0, retry.log);
    assert.equal(await worker.exitCode(10_000), 0, worker.log);
    const after = await scanOutput(await FsStorage.open(out), nullLogger);
    assert.equal(after.done.size, 30);
    assert.equal(after.failed.size, 0);
    assert.deepEqual(after.duplicates, []);
    assert.ok(after.shards.includes(`audio_tokens_${DEAD}_r2.csv`), after.shards.join(" "));
  } catch (e) {
    for (const p of procs) console.error(`--- ${p.name}:\n${p.log.slice(-2500)}`);
    throw e;
  } finally {
    for (const p of procs) await p.close();
    await server.cleanup();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
