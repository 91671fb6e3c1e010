// The head node of a scale-out run (`deno task run --config cfg.yaml --nats URL`): plans the job's ranges from
// the dataset and the output, enqueues them, follows them until each is done or dead (follow.ts), then writes
// the manifest and marks the job finished so the workers exit. Exit 0, or 3 when ranges died.
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { PipelineConfig } from "../../core/config/types.ts";
import { ConfigError, describeError } from "../../core/errors.ts";
import type { Logger } from "../../core/log.ts";
import { type Manifest, readManifest, type RunRecord, writeManifest } from "../../core/manifest.ts";
import { diffSettings, planParamsOf } from "../../core/distributed/fingerprint.ts";
import { diffIdentity } from "../../core/job/identity.ts";
import { codebooksOf } from "../../core/sink/sidecar.ts";
import { verifyDoneTexts } from "../../core/sink/verify_texts.ts";
import type { JobRecord } from "../../core/distributed/messages.ts";
import { jobNameOf, jobNames } from "../../core/distributed/names.ts";
import { planRanges, type PlanStats } from "../../core/distributed/plan.ts";
import { RangeTracker } from "../../core/distributed/tracker.ts";
import { scanOutput } from "../../core/sink/resume.ts";
import type { TextSource } from "../../core/source/text_source.ts";
import { sharedDir } from "./shared_storage.ts";
import { openJobFolder } from "../job_folder.ts";
import { openTextSource } from "../open_source.ts";
import { connectNats, shownUrl } from "./connect.ts";
import { follow } from "./follow.ts";
import { RangePublisher } from "./publish_ranges.ts";
import { readJob, subjectsOf, writeJob } from "./records.ts";
import { bindDeadConsumer, ensureJobStreams } from "./topology.ts";

export const EXIT_RANGES_DIED = 3;

export interface CoordinatorOptions {
  logger: Logger;
  retryFailed: boolean;
  remainingIndices?: number[];
  tickMs?: number;
}

export async function runCoordinator(config: PipelineConfig, o: CoordinatorOptions): Promise<number> {
  const d = config.distributed!;
  const { logger } = o;
  const names = jobNames(jobNameOf(config));
  const format = config.processing.format;
  const source = await openTextSource(config.dataset);
  // The coordinator holds the folder's lock for the job; its workers write only their ranges' files. The head
  // node runs no models, so model content hashes are left unknown (not compared) in the identity.
  const { storage, lock, identity } = await openJobFolder(config, {
    logger, modelsUsed: false, what: `NATS coordinator of job ${names.job}`, dir: sharedDir(config.processing.save_dir), sharedTempAgeMs: SHARED_TMP_AGE_MS,
  });
  const codebooks = codebooksOf(config.processing.bandwidth);
  let nc;
  try {
    nc = await connectNats(d, `ichigo coordinator ${names.job}`);
  } catch (e) {
    await lock.release();
    throw e;
  }
  const stop = new AbortController();
  const onSignal = () => {
    if (stop.signal.aborted) Deno.exit(130);
    logger.warn("coordinator stopping; the workers carry on. Run the same command again to follow the job.");
    stop.abort();
  };
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  let manifest: Manifest | undefined;
  let run: RunRecord | undefined;
  try {
    const js = jetstream(nc);
    const jsm = await jetstreamManager(nc);
    await ensureJobStreams(jsm, names, d);
    const queued = new Set((await subjectsOf(jsm, names.workStream, names.rangeSubjects)).map(lastToken));
    const started = new Date().toISOString();
    const job: JobRecord = {
      job: names.job,
      status: "running",
      save_dir: config.processing.save_dir,
      identity,
      plan: planParamsOf(config),
      started,
      updated: started,
    };
    await refuseOtherPlan(jsm, names, job, queued.size, logger);

    // Resume: the output is the truth (scanned read-only: workers may be writing); the plan's blocks never move,
    // so ranges keep their keys and message ids.
    const state = await scanOutput(storage, logger, { readOnly: true, codebooks });
    await verifyDoneTexts(source, state.done, state.failed, stop.signal);
    const skip = { has: (i: number) => state.done.has(i) || (!o.retryFailed && state.failed.has(i)) };
    manifest = (await readManifest(storage, logger)) ?? newManifest(config);
    run = { started, status: "running", config: redact(config) };
    manifest.runs.push(run);
    await writeManifest(storage, manifest);
    await writeJob(js, names, job);

    const tracker = new RangeTracker();
    const publisher = new RangePublisher(js, names, nc.info?.max_payload ?? 1_048_576);
    const stats: PlanStats = { rows: 0, blocks: 0, finishedBlocks: 0 };
    const only = o.remainingIndices ? new Set(o.remainingIndices) : undefined;
    const limit = config.test_mode ? config.num_samples : undefined;
    for await (const range of planRanges(source.read({ only }), { rangeSize: d.range_size, skip, taken: state.keys, limit }, stats)) {
      tracker.add(range.key, range.rows.map((r) => r.index));
      if (!queued.has(range.key)) await publisher.publish(range);
    }
    await publisher.flush();
    logger.info(`job ${names.job}: ${tracker.planned.size} range(s) of up to ${d.range_size} rows to do ` +
      `(${publisher.published} enqueued, ${queued.size + publisher.duplicates} already queued; ${stats.finishedBlocks} of ${stats.blocks} finished earlier). ` +
      `On each GPU host: deno task worker --config ${config.source ?? "cfg.yaml"} --nats ${shownUrl(d.nats)}`);

    let lastLog = 0;
    const outcome = await follow({
      js, jsm, names, tracker, storage, format, logger,
      dead: await bindDeadConsumer(js, names),
      maxDeliver: d.max_deliver,
      signal: stop.signal,
      tickMs: o.tickMs,
      republish: async (keys, round) => {
        for (const range of await rangesOf(source, tracker, keys)) await publisher.publish(range, round);
        await publisher.flush();
      },
      onProgress: async (p) => {
        if (Date.now() - lastLog < 10_000) return;
        lastLog = Date.now();
        logger.info(`ranges: ${p.done}/${p.ranges} done, ${p.dead} dead, ${p.inFlight} in flight, ${p.pending} queued`);
        await writeJob(js, names, { ...job, progress: p, updated: new Date().toISOString() });
      },
    });
    const c = tracker.counts();
    const final = await scanOutput(storage, logger, { readOnly: true, codebooks });
    const planned = [...tracker.planned.values()].flat();
    const rowsDone = planned.filter((i) => final.done.has(i)).length;
    const rowsFailed = planned.filter((i) => final.failed.has(i)).length;
    const dead = [...tracker.fate].filter(([, f]) => f === "dead").map(([k]) => k);
    Object.assign(run, {
      finished: new Date().toISOString(),
      status: outcome === "stopped" ? "stopped" : dead.length > 0 ? "failed" : "complete",
      error: dead.length > 0 ? `${dead.length} range(s) died` : undefined,
      distributed: { job: names.job, ranges: c.ranges, done: c.done, dead, rows: c.rows, rowsDone, rowsFailed },
    });
    await writeManifest(storage, manifest);
    if (outcome === "stopped") return 130;
    const summary = `${rowsDone} of ${c.rows} rows done, ${rowsFailed} failed; ${c.done} of ${c.ranges} ranges done, ${dead.length} dead`;
    await writeJob(js, names, { ...job, status: "finished", outcome: summary, progress: { ...c, pending: 0, inFlight: 0 }, updated: new Date().toISOString() });
    if (dead.length > 0) {
      logger.error(`job ${names.job} finished with dead ranges: ${summary}. Their indices are in failed_indices_*.json ` +
        `(${dead.slice(0, 5).join(", ")}${dead.length > 5 ? ", ..." : ""}); fix the cause and run again with --retry-failed.`);
      return EXIT_RANGES_DIED;
    }
    logger.info(`job ${names.job} finished: ${summary}`);
    return 0;
  } catch (e) {
    if (run && manifest) {
      Object.assign(run, { finished: new Date().toISOString(), status: "failed", error: describeError(e) });
      await writeManifest(storage, manifest).catch(() => {});
    }
    throw e;
  } finally {
    Deno.removeSignalListener("SIGINT", onSignal);
    Deno.removeSignalListener("SIGTERM", onSignal);
    await nc.close().catch(() => {});
    await lock.release();
  }
}

/** Temp files on a folder other hosts write to are removed only when older than this (never one in flight). */
const SHARED_TMP_AGE_MS = 3_600_000;

const lastToken = (subject: string) => subject.slice(subject.lastIndexOf(".") + 1);

/** Ranges still queued from a run with other settings would mix two plans (or two kinds of tokens). */
async function refuseOtherPlan(jsm: Parameters<typeof readJob>[0], names: ReturnType<typeof jobNames>, job: JobRecord, queued: number, logger: Logger) {
  const prev = await readJob(jsm, names);
  const age = prev ? (Date.now() - Date.parse(prev.updated)) / 1000 : Infinity;
  if (prev?.status === "running" && age < 30) {
    logger.warn(`job ${names.job} was updated ${Math.round(age)} s ago: if another coordinator still follows it, stop one of them`);
  }
  if (!prev || queued === 0) return;
  const diffs = [...diffSettings(job.plan, prev.plan), ...(prev.identity ? diffIdentity(prev.identity, job.identity) : ["identity: none recorded"])];
  if (diffs.length === 0) return;
  throw new ConfigError(`job ${names.job} still has ${queued} range(s) queued from a run with other settings (${diffs.join("; ")}): ` +
    `run that config until it finishes, or set distributed.job (or --job) to start a separate job`);
}

/** The ranges `keys` again, with their texts re-read from the dataset. */
async function rangesOf(source: TextSource, tracker: RangeTracker, keys: string[]) {
  const keyOf = new Map<number, string>();
  for (const k of keys) for (const i of tracker.planned.get(k) ?? []) keyOf.set(i, k);
  const rows = new Map(keys.map((k) => [k, [] as { index: number; text: string; problem?: string }[]]));
  for await (const r of source.read({ only: new Set(keyOf.keys()) })) {
    const k = keyOf.get(r.index);
    if (k) rows.get(k)!.push(r.problem ? { index: r.index, text: r.text, problem: r.problem } : { index: r.index, text: r.text });
  }
  return [...rows].map(([key, rs]) => ({ key, rows: rs }));
}

function newManifest(config: PipelineConfig): Manifest {
  const ds = config.dataset;
  return {
    tool: "ichigo-tts-tokens",
    format: config.processing.format,
    dataset: { name: ds.name, split: ds.split, text_column: ds.text_column, index_column: ds.index_column },
    models: config.models,
    runs: [],
  };
}

/** The config as recorded in the manifest: NATS secrets never reach the output folder. */
function redact(config: PipelineConfig): PipelineConfig {
  const d = config.distributed;
  if (!d) return config;
  const hide = (v?: string) => (v ? "(redacted)" : undefined);
  return { ...config, distributed: { ...d, nats: shownUrl(d.nats), pass: hide(d.pass), token: hide(d.token) } };
}
