// `deno task worker --config cfg.yaml --nats nats://HOST:4222`: one GPU host of a scale-out run. Pulls ranges from
// the job's queue and runs them on this host's devices exactly as a single-machine run would (same workers, one
// process per GPU, same scheduler), writing one shard per range to the shared save_dir. Exits 0 when the job is
// finished; Ctrl-C finishes the ranges taken (a second Ctrl-C quits at once; its ranges go to other hosts).
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { ConfigError } from "../../core/errors.ts";
import { runCli } from "../cli/common.ts";
import { scheduleOptionsOf } from "../../core/pipeline.ts";
import { checkJob } from "../../core/job/claim.ts";
import { diffIdentity, jobIdentityOf } from "../../core/job/identity.ts";
import { codebooksOf } from "../../core/sink/sidecar.ts";
import { jobFactsOf } from "../job_facts.ts";
import type { WorkerRecord } from "../../core/distributed/messages.ts";
import { jobNameOf, jobNames } from "../../core/distributed/names.ts";
import { runRangeWorker, type WorkerStats } from "../../core/distributed/range_worker.ts";
import { sleep } from "../../core/distributed/retry.ts";
import { createWorkerFactory, DEFAULT_ENGINE_MODULE } from "../device_workers.ts";
import { openSharedStorage } from "./shared_storage.ts";
import { createLogger } from "../logger.ts";
import { configFromArgs } from "../main.ts";
import { connectNats, shownUrl } from "./connect.ts";
import { JetStreamQueue, JetStreamResults } from "./jetstream_queue.ts";
import { publishWorker, readJob } from "./records.ts";
import { bindWorkConsumer } from "./topology.ts";

const USAGE = `Usage: deno task worker --config cfg.yaml --nats nats://HOST:4222 [options]

Takes ranges of the job that \`deno task run --config cfg.yaml --nats ...\` coordinates and runs them on this
host's devices. Same flags as \`deno task run\` (--devices, --save-dir, --nats-creds, --job, ...).`;

/** How often this worker's status (for `deno task nats-status`) is refreshed. */
const STATUS_MS = 5_000;

export async function workerMain(args: string[]): Promise<number> {
  const { parsed, config } = await configFromArgs(args);
  if (!config) {
    console.log(USAGE);
    return 0;
  }
  const d = config.distributed;
  if (!d) throw new ConfigError("no NATS server: pass --nats nats://HOST:4222 or set distributed.nats");
  const logger = createLogger({ consoleLevel: config.logging.console_level, fileLevel: config.logging.file_level, logFile: config.logging.log_file });
  const names = jobNames(jobNameOf(config));
  const storage = await openSharedStorage(config.processing.save_dir);
  const id = `${Deno.hostname()}-${Deno.pid}`;
  const nc = await connectNats(d, `ichigo worker ${id}`);
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  let stopping = false;
  const onSignal = () => {
    if (stopping) Deno.exit(130);
    stopping = true;
    logger.warn("stopping: finishing the ranges taken (press Ctrl-C again to quit now; they then go to other hosts)");
  };
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  const pool = createWorkerFactory({
    config,
    engineModule: parsed.engineModule ?? Deno.env.get("ICHIGO_ENGINE_MODULE") ?? DEFAULT_ENGINE_MODULE,
    logger,
  });
  const started = new Date().toISOString();
  let stats: WorkerStats = { ranges: 0, rows: 0, failed: 0, audioSeconds: 0, inFlight: [] };
  const record = (state: WorkerRecord["state"]): WorkerRecord => ({
    id, host: Deno.hostname(), pid: Deno.pid, devices: config.processing.devices, state, started,
    updated: new Date().toISOString(), ...stats,
  });
  let lastStatus = 0;
  const status = setInterval(() => publishWorker(js, names, record("running")).catch(() => {}), STATUS_MS);
  try {
    // Wait for the coordinator: its job record says how tokens are made; this host must make them the same way.
    let waited = false;
    let consumer;
    for (;;) {
      if (stopping) return 130;
      const job = await readJob(jsm, names).catch(() => undefined);
      consumer = job && job.status === "running" ? await bindWorkConsumer(js, names).catch(() => undefined) : undefined;
      if (job && consumer) {
        const engineModule = parsed.engineModule ?? Deno.env.get("ICHIGO_ENGINE_MODULE") ?? DEFAULT_ENGINE_MODULE;
        const identity = jobIdentityOf(config, await jobFactsOf(config, { modelsUsed: engineModule === DEFAULT_ENGINE_MODULE, log: (m) => logger.info(m) }));
        const diffs = diffIdentity(job.identity, identity);
        if (diffs.length > 0) throw new ConfigError(`this host's settings differ from the coordinator's for job ${names.job}, so its tokens would too: ${diffs.join("; ")}`);
        await checkJob(storage, identity); // and the folder this host writes to is that job's
        break;
      }
      if (!waited) logger.info(`waiting for job ${names.job}: start it with deno task run --config ... --nats ${shownUrl(d.nats)}`);
      waited = true;
      await sleep(1_000);
    }
    const { config: cc } = await consumer.info();
    const ackWaitMs = (cc.ack_wait ?? 30e9) / 1e6;
    await publishWorker(js, names, record("running")).catch(() => {});
    logger.info(`worker ${id}: job ${names.job} -> ${storage.label}, ${config.processing.devices.join(", ")} x ${config.processing.num_procs_per_device}`);
    stats = await runRangeWorker({
      queue: new JetStreamQueue(consumer, logger),
      results: new JetStreamResults(js, names),
      storage,
      format: config.processing.format,
      codebooks: codebooksOf(config.processing.bandwidth),
      scheduling: scheduleOptionsOf(config, pool.factory, logger),
      maxDeliver: cc.max_deliver && cc.max_deliver > 0 ? cc.max_deliver : d.max_deliver,
      heartbeatMs: Math.max(100, ackWaitMs / 3),
      workerId: id,
      logger,
      stopping: () => stopping,
      idle: async () => (await readJob(jsm, names).catch(() => undefined))?.status === "finished",
      onStats: (s) => {
        stats = s;
        // Promptly visible to nats-status, at most once a second.
        if (Date.now() - lastStatus < 1_000) return;
        lastStatus = Date.now();
        publishWorker(js, names, record("running")).catch(() => {});
      },
    });
    logger.info(`worker ${id} done: ${stats.ranges} range(s), ${stats.rows} rows, ${stats.failed} failed`);
    return stopping ? 130 : 0;
  } finally {
    clearInterval(status);
    await publishWorker(js, names, record("stopped")).catch(() => {});
    await pool.close();
    await nc.close().catch(() => {});
    logger.close();
    Deno.removeSignalListener("SIGINT", onSignal);
    Deno.removeSignalListener("SIGTERM", onSignal);
  }
}

if (import.meta.main) await runCli(() => workerMain(Deno.args));
