// A GPU host whose generation settings differ from the coordinator's would write different tokens into the same
// job: it refuses to start, naming each difference, before it takes any range.
import assert from "node:assert/strict";
import { FAKES, makeJob } from "../pipeline/cli_helpers.ts";
import { NatsServer } from "./nats_server.ts";
import { Proc } from "./procs.ts";

const MAIN = new URL("../../deno/main.ts", import.meta.url).pathname;
const WORKER = new URL("../../deno/nats/worker_main.ts", import.meta.url).pathname;

Deno.test("worker with another seed than the coordinator: exit 2, the difference named, no range taken", async () => {
  const server = await NatsServer.start();
  const dir = await Deno.makeTempDir({ prefix: "settings_" });
  const procs: Proc[] = [];
  try {
    const cfg = makeJob(dir, 20, {});
    Deno.writeTextFileSync(cfg, Deno.readTextFileSync(cfg).replace("WARNING", "INFO") + `distributed: {nats: "${server.url}"}\n`);
    const other = `${dir}/other.yaml`;
    Deno.writeTextFileSync(other, Deno.readTextFileSync(cfg).replace('"batch_size":4', '"batch_size":4,"seed":9'));
    const coordinator = new Proc("coordinator", MAIN, ["--config", cfg], {});
    procs.push(coordinator);
    await coordinator.waitFor(/On each GPU host/, 20_000);
    const worker = new Proc("worker", WORKER, ["--config", other, "--engine-module", FAKES], {});
    procs.push(worker);
    assert.equal(await worker.exitCode(20_000), 2, worker.log);
    assert.match(worker.log, /error: this host's settings differ from the coordinator's for job ichigo_[0-9a-f]{8}, so its tokens would too: seed: output has 0, this run 9/);
    assert.doesNotMatch(worker.log, /range \d+_\d+:/);
  } finally {
    for (const p of procs) await p.close();
    await server.cleanup();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
