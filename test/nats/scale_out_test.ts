// Scale-out end to end: a real nats-server, a coordinator and three worker processes on the fake engines. One
// worker is SIGKILLed in the middle of a range and the server is restarted once while ranges are in flight; the
// output must hold every index exactly once, with the tokens (and shard files) of a single-machine run.
import assert from "node:assert/strict";
import { decodeCsv } from "../../core/sink/shard_format.ts";
import { FAKES, makeJob, runCli } from "../pipeline/cli_helpers.ts";
import { NatsServer } from "./nats_server.ts";
import { Proc, until } from "./procs.ts";

const ROWS = 300;
const MAIN = new URL("../../deno/main.ts", import.meta.url).pathname;
const WORKER = new URL("../../deno/nats/worker_main.ts", import.meta.url).pathname;
const STATUS = new URL("../../deno/nats/status_main.ts", import.meta.url).pathname;

function outputRows(dir: string): Map<number, string> {
  const rows = new Map<number, string>();
  for (const e of Deno.readDirSync(dir)) {
    if (!e.name.startsWith("audio_tokens_") || e.name.includes(".ichigo-tmp.")) continue;
    for (const r of decodeCsv(Deno.readFileSync(`${dir}/${e.name}`))) {
      assert.ok(!rows.has(r.index), `index ${r.index} appears twice`);
      rows.set(r.index, Array.from(r.tokens).join(","));
    }
  }
  return rows;
}

const files = (dir: string, re: RegExp) => [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => re.test(n)).sort();
const failedIn = (dir: string) => files(dir, /^failed_indices_/).flatMap((f) => JSON.parse(Deno.readTextFileSync(`${dir}/${f}`)) as number[]);

Deno.test("scale-out on NATS: 3 workers, one SIGKILLed mid-range, the server restarted: each index once, tokens as one machine", async () => {
  const server = await NatsServer.start();
  const procs: Proc[] = [];
  const dir = await Deno.makeTempDir({ prefix: "scale_out_" });
  try {
    const job = { save_batch_size: 10, max_retries: 2, batch_size: 4, num_procs_per_device: 2 };
    const cfg = makeJob(dir, ROWS, job);
    Deno.writeTextFileSync(cfg, Deno.readTextFileSync(cfg).replace("WARNING", "INFO") +
      `distributed: {nats: "${server.url}", ack_wait_s: 2, max_deliver: 4}\n`);
    const out = `${dir}/out`;
    // Row 17 always fails (a failed index, not a dead range); every worker is slow enough to be caught mid-range.
    const env = { ICHIGO_ENGINE_EXTRA: JSON.stringify({ failAlways: [17], slowMs: 40, slowWorkers: [0, 1] }) };
    const args = ["--config", cfg, "--engine-module", FAKES];
    const coordinator = new Proc("coordinator", MAIN, args, env);
    procs.push(coordinator);
    const workers = [1, 2, 3].map((n) => new Proc(`worker ${n}`, WORKER, args, env));
    procs.push(...workers);

    const [, killedKey] = await workers[0].waitFor(/range (\d+_\d+): \d+ rows \(delivery 1\)/, 30_000);
    workers[0].kill("SIGKILL");
    await workers[0].status;
    await until(() => files(out, /^audio_tokens_/).length >= 8, 30_000, "8 shards");
    // The coordinator holds the folder for the job: a single-machine run on it is refused at once.
    const plain = `${dir}/plain.yaml`;
    Deno.writeTextFileSync(plain, Deno.readTextFileSync(cfg).replace(/distributed: .*\n/, ""));
    const intruder = await runCli(["--config", plain, "--engine-module", FAKES]);
    assert.equal(intruder.code, 2, intruder.stderr);
    assert.match(intruder.stderr, /out: in use by another run \(NATS coordinator of job ichigo_[0-9a-f]{8}, host /);
    await server.restart();

    assert.equal(await coordinator.exitCode(40_000), 0, coordinator.log);
    for (const w of workers.slice(1)) assert.equal(await w.exitCode(10_000), 0, w.log);
    const redelivered = new RegExp(`range ${killedKey}: \\d+ rows \\(delivery [2-9]\\)`);
    assert.ok(workers.slice(1).some((w) => redelivered.test(w.log)), `range ${killedKey} was not redelivered`);

    const rows = outputRows(out);
    assert.deepEqual(failedIn(out), [17]);
    assert.equal(rows.size, ROWS - 1);
    assert.equal(files(out, /\.ichigo-tmp\./).length, 0);

    // The same job on one machine: the same tokens, in the same shard files.
    const clean = await Deno.makeTempDir({ prefix: "scale_out_single_" });
    const single = await runCli(["--config", makeJob(clean, ROWS, job), "--engine-module", FAKES], env);
    assert.equal(single.code, 0, single.stderr);
    assert.deepEqual(rows, outputRows(`${clean}/out`));
    assert.deepEqual(files(out, /^(audio_tokens|failed_indices)_/), files(`${clean}/out`, /^(audio_tokens|failed_indices)_/));
    await Deno.remove(clean, { recursive: true });

    const manifest = JSON.parse(Deno.readTextFileSync(`${out}/manifest.json`));
    const run = manifest.runs.at(-1);
    assert.equal(run.status, "complete");
    assert.deepEqual({ ...run.distributed, job: undefined }, { job: undefined, ranges: 30, done: 30, dead: [], rows: ROWS, rowsDone: ROWS - 1, rowsFailed: 1 });

    const status = await runCli(["--nats", server.url, "--json"], {}, STATUS);
    assert.equal(status.code, 0, status.stderr);
    const [s] = JSON.parse(status.stdout);
    assert.equal(s.status, "finished");
    assert.deepEqual({ ...s.ranges, redelivered: 0 }, { pending: 0, inFlight: 0, redelivered: 0, done: 30, dead: 0 });
    assert.equal(s.workers.length, 3);
    assert.equal(s.workers.reduce((n: number, w: { rows: number }) => n + w.rows, 0) >= ROWS - 1 - 10, true);
    assert.ok(s.workers.some((w: { rowsPerSecond: number }) => w.rowsPerSecond > 0));
    if (Deno.env.get("SCALE_OUT_LOGS")) for (const p of procs) console.error(`--- ${p.name}:\n${p.log}`);
  } catch (e) {
    console.error(`nats-server log:\n${server.log.slice(-3000)}`);
    for (const p of procs) console.error(`--- ${p.name}:\n${p.log.slice(-3000)}`);
    throw e;
  } finally {
    for (const p of procs) await p.close();
    await server.cleanup();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
