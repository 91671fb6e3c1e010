// `deno task nats-status --nats nats://HOST:4222 [--config cfg.yaml | --job NAME] [--json]`: where scale-out jobs
// stand: ranges pending, in flight, done and failed (dead), the coordinator's last account, each worker's rate.
import { parseArgs } from "node:util";
import { closest } from "fastest-levenshtein";
import { jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import { DEFAULT_DISTRIBUTED } from "../../core/config/load.ts";
import type { DistributedConfig } from "../../core/config/types.ts";
import { ConfigError } from "../../core/errors.ts";
import { runCli } from "../cli/common.ts";
import { jobNameOf, jobNames } from "../../core/distributed/names.ts";
import { configFromArgs } from "../main.ts";
import { connectNats } from "./connect.ts";
import { readJob, readWorkers, resultFates } from "./records.ts";
import { isNotFound } from "./topology.ts";

const OPTIONS = {
  nats: { type: "string" },
  "nats-creds": { type: "string" },
  "nats-user": { type: "string" },
  "nats-pass": { type: "string" },
  "nats-token": { type: "string" },
  config: { type: "string" },
  job: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

const USAGE = `Usage: deno task nats-status --nats nats://HOST:4222 [--config cfg.yaml | --job NAME] [--json]
  Without --config or --job: every job on the server. Credentials: NATS_USER/NATS_PASS, NATS_TOKEN or NATS_CREDS
  in the environment (recommended: deno task echoes its command line and ps shows arguments), the URL
  (nats://user:pass@host), --nats-creds FILE, --nats-user/--nats-pass, --nats-token, or the distributed section
  of --config.`;

export async function jobStatus(jsm: JetStreamManager, job: string) {
  const n = jobNames(job);
  const record = await readJob(jsm, n);
  const consumer = await jsm.consumers.info(n.workStream, n.consumer).catch((e) => {
    if (isNotFound(e)) return undefined;
    throw e;
  });
  const fates = [...(await resultFates(jsm, n)).values()];
  const now = Date.now();
  const workers = (await readWorkers(jsm, n)).map((w) => {
    const seconds = Math.max(1e-3, (Date.parse(w.updated) - Date.parse(w.started)) / 1000);
    return { ...w, rowsPerSecond: w.rows / seconds, seenSecondsAgo: Math.round((now - Date.parse(w.updated)) / 1000) };
  });
  return {
    job,
    status: record?.status ?? "unknown",
    saveDir: record?.save_dir,
    started: record?.started,
    coordinator: record?.progress ? { ...record.progress, secondsAgo: Math.round((now - Date.parse(record.updated)) / 1000) } : undefined,
    outcome: record?.outcome,
    ranges: {
      pending: consumer?.num_pending ?? 0,
      inFlight: consumer?.num_ack_pending ?? 0,
      redelivered: consumer?.num_redelivered ?? 0,
      done: fates.filter((f) => f === "done").length,
      dead: fates.filter((f) => f === "dead").length,
    },
    workers,
  };
}

type JobStatus = Awaited<ReturnType<typeof jobStatus>>;

export function formatStatus(s: JobStatus): string {
  const r = s.ranges;
  const lines = [
    `job ${s.job}: ${s.status}${s.saveDir ? ` -> ${s.saveDir}` : ""}${s.started ? `, started ${s.started}` : ""}`,
    `  ranges: ${r.pending} pending, ${r.inFlight} in flight, ${r.done} done, ${r.dead} failed (dead)${r.redelivered ? `; ${r.redelivered} redelivered now` : ""}`,
  ];
  if (s.coordinator) {
    const c = s.coordinator;
    lines.push(`  coordinator (${c.secondsAgo} s ago): ${c.done}/${c.ranges} ranges of this run done, ${c.dead} dead, ${c.rows} rows planned`);
  }
  if (s.outcome) lines.push(`  outcome: ${s.outcome}`);
  lines.push(`  workers: ${s.workers.length === 0 ? "none yet" : ""}`);
  for (const w of s.workers) {
    lines.push(`    ${w.id} (${w.devices.join(",")}): ${w.state}, ${w.ranges} ranges, ${w.rows} rows, ${w.failed} failed, ` +
      `${w.rowsPerSecond.toFixed(2)} rows/s, seen ${w.seenSecondsAgo} s ago${w.inFlight.length ? `, working on ${w.inFlight.join(" ")}` : ""}`);
  }
  return lines.join("\n");
}

async function statusMain(args: string[]): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (e) {
    const flag = (e as Error).message.match(/'(--?[\w-]+)'/)?.[1];
    const hint = flag?.startsWith("--") ? closest(flag.slice(2), Object.keys(OPTIONS)) : undefined;
    throw new ConfigError(`unknown or malformed flag ${flag ?? ""}${hint ? ` (did you mean --${hint}?)` : ""}; see --help`);
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  let d: DistributedConfig;
  let job = values.job as string | undefined;
  if (values.config) {
    const { config } = await configFromArgs(args.filter((a) => a !== "--json"));
    if (!config?.distributed) throw new ConfigError("no NATS server: pass --nats nats://HOST:4222 or set distributed.nats");
    d = config.distributed;
    job ??= jobNameOf(config);
  } else {
    if (!values.nats) throw new ConfigError("no NATS server: pass --nats nats://HOST:4222 (see --help)");
    d = {
      ...DEFAULT_DISTRIBUTED, range_size: 1, nats: values.nats as string,
      creds: values["nats-creds"] as string | undefined, user: values["nats-user"] as string | undefined,
      pass: values["nats-pass"] as string | undefined, token: values["nats-token"] as string | undefined,
    };
  }
  const nc = await connectNats(d, "ichigo nats-status", 10_000);
  try {
    const jsm = await jetstreamManager(nc);
    const jobs = job ? [job] : await jobsOn(jsm);
    const statuses = [];
    for (const j of jobs) statuses.push(await jobStatus(jsm, j));
    if (values.json) console.log(JSON.stringify(statuses, null, 2));
    else console.log(statuses.length ? statuses.map(formatStatus).join("\n\n") : "no jobs on this server");
    return 0;
  } finally {
    await nc.close();
  }
}

/** Jobs on the server: their work streams are ICHIGO_<job>. */
async function jobsOn(jsm: JetStreamManager): Promise<string[]> {
  const out: string[] = [];
  for await (const name of jsm.streams.names()) {
    if (name.startsWith("ICHIGO_") && !/_(STATE|DEAD)$/.test(name)) out.push(name.slice("ICHIGO_".length));
  }
  return out.sort();
}

if (import.meta.main) await runCli(() => statusMain(Deno.args));
