// The whole flow, top to bottom: output state -> rows to do -> scheduler (workers: tts -> codec) -> shards.
import type { PipelineConfig } from "./config/types.ts";
import type { Logger } from "./log.ts";
import { type Manifest, readManifest, type RunRecord, writeManifest } from "./manifest.ts";
import { ProgressCounter } from "./progress.ts";
import { schedule as defaultSchedule } from "./schedule/scheduler.ts";
import type { Schedule, ScheduleOptions } from "./schedule/schedule_types.ts";
import type { WorkerFactory } from "./schedule/worker_handle.ts";
import { type OutputState, scanOutput } from "./sink/resume.ts";
import { claimJob } from "./job/claim.ts";
import { type JobIdentity, jobIdentityOf } from "./job/identity.ts";
import { textHash } from "./sink/row_hash.ts";
import { codebooksOf } from "./sink/sidecar.ts";
import { verifyDoneTexts } from "./sink/verify_texts.ts";
import { ShardWriter } from "./sink/shard_writer.ts";
import type { Storage } from "./sink/storage.ts";
import type { SourceRow, TextSource } from "./source/text_source.ts";
import type { Progress, RunSummary } from "./types.ts";
import { describeError } from "./errors.ts";

export interface PipelineDeps {
  source: TextSource;
  storage: Storage;
  factory: WorkerFactory;
  logger: Logger;
  /** Indices from remaining_indices_file: the run is restricted to them. */
  remainingIndices?: number[];
  /** Also redo rows that earlier runs recorded as failed. */
  retryFailed?: boolean;
  onProgress?: (progress: Progress) => void;
  signal?: AbortSignal;
  schedule?: Schedule;
  now?: () => number;
  /** What the workers run (for the manifest), filled in as workers start. */
  engines?: string[];
  /** The job's identity with content hashes (core/job/identity.ts); default: from the config alone. */
  identity?: JobIdentity;
}

/** Where a run starts: the folder claimed for this job, the rows it holds, and how many of the run's rows are left. */
export interface RunStart {
  state: OutputState;
  /** Rows this run does not redo: done, or failed earlier (unless retrying them). */
  skip: { has(index: number): boolean };
  /** Rows of the run's domain already finished, and how many are left. */
  skipped: number;
  total: number;
  /** The counts are exact and nothing is left: no worker needs to start (not even its models prepared). */
  nothingLeft: boolean;
}

/**
 * Step 1 of a run, callable before any model is prepared: the folder must belong to this job (job.json; a
 * refusal touches nothing), then what it already holds (resume): shards verified by their sidecars, and every
 * done row's text unchanged in the dataset. A source that still owes its checking pass makes it here, in the
 * same read as the text check (or in counting the rows): bad input stops the run before any work.
 */
export async function startRun(config: PipelineConfig, deps: Omit<PipelineDeps, "factory">): Promise<RunStart> {
  const { source, storage, logger } = deps;
  const now = deps.now ?? Date.now;
  const p = config.processing;
  await claimJob(storage, deps.identity ?? jobIdentityOf(config), logger, now);
  const state = await scanOutput(storage, logger, { codebooks: codebooksOf(p.bandwidth) });
  const inDataset = await verifyDoneTexts(source, state.done, state.failed, deps.signal);
  const skip = { has: (i: number) => state.done.has(i) || (!deps.retryFailed && state.failed.has(i)) };
  if (state.done.size + state.failed.size > 0) {
    logger.info(`resuming: ${state.done.size} rows already done, ${state.failed.size} failed earlier` +
      (deps.retryFailed ? " (retrying them)" : " (kept as failed; use --retry-failed to redo them)"));
  }
  // The rows to do: the run's domain (remaining_indices_file, else the dataset), in test mode only its first
  // num_samples rows (a fixed subset, so a rerun resumes it), minus what is done.
  const only = deps.remainingIndices ? new Set(deps.remainingIndices) : undefined;
  const skippedAll = inDataset.done + (deps.retryFailed ? 0 : inDataset.failed);
  const { domain, skipped, exact } = await domainCounts(config, source, only, skip, skippedAll, deps.signal);
  const total = Math.max(0, domain - skipped);
  return { state, skip, skipped, total, nothingLeft: exact && total === 0 };
}

/** A whole run. `start`: step 1 already made by startRun (the CLI makes it before preparing models). */
export async function runPipeline(config: PipelineConfig, deps: PipelineDeps, start?: RunStart): Promise<RunSummary> {
  const { source, storage, logger } = deps;
  const now = deps.now ?? Date.now;
  const p = config.processing;
  const { state, skip, skipped, total, nothingLeft } = start ?? await startRun(config, deps);
  const only = deps.remainingIndices ? new Set(deps.remainingIndices) : undefined;
  const counter = new ProgressCounter(total, skipped, now(), now);

  // 2. The run is recorded in the manifest, and rows to do go to their shards as they are planned.
  const manifest: Manifest = (await readManifest(storage, logger)) ?? {
    tool: "ichigo-tts-tokens",
    format: p.format,
    dataset: { name: config.dataset.name, split: config.dataset.split, text_column: config.dataset.text_column, index_column: config.dataset.index_column },
    models: config.models,
    runs: [],
  };
  const run: RunRecord = { started: new Date(now()).toISOString(), status: "running", config };
  manifest.runs.push(run);
  await writeManifest(storage, manifest); // also proves save_dir is writable before any work starts

  const writer = new ShardWriter(storage, p.format, p.save_batch_size, state.keys, logger, codebooksOf(p.bandwidth));
  async function* rowsToDo(): AsyncIterable<SourceRow> {
    let seen = 0;
    for await (const row of source.read({ only, signal: deps.signal })) {
      if (config.test_mode && seen >= config.num_samples) break;
      seen++;
      if (skip.has(row.index)) continue;
      writer.plan(row.index, textHash(row.text));
      yield row;
    }
    writer.endOfInput();
  }

  // 3. Schedule over the workers; every finished row goes to its shard, which is written once complete. A
  // finished job run again has nothing left: no worker starts and the dataset is not read again.
  const schedule = deps.schedule ?? defaultSchedule;
  if (nothingLeft) logger.info("nothing left to do: every row of this run is already done or failed");
  let error: unknown;
  try {
    if (nothingLeft) writer.endOfInput();
    else {
      for await (const outcome of schedule(rowsToDo(), {
        ...scheduleOptionsOf(config, deps.factory, logger),
        signal: deps.signal,
        onRetry: () => counter.retries++,
      })) {
        if (outcome.kind === "done") {
          counter.done++;
          counter.audioSeconds += outcome.item.seconds;
        } else counter.failed++;
        await writer.record(outcome);
        deps.onProgress?.(counter.snapshot());
      }
    }
    await writer.finish();
  } catch (e) {
    error = e;
  }

  // 4. On a stop or an error, keep every finished row (a partial shard), then account for the run.
  const aborted = deps.signal?.aborted === true;
  if (aborted || error) {
    try {
      await writer.flushPartial();
    } catch (e) {
      error ??= e;
    }
  }
  const summary: RunSummary = { ...counter.snapshot(), shards: writer.written, aborted };
  const { shards: _, ...counts } = summary;
  Object.assign(run, {
    finished: new Date(now()).toISOString(),
    status: error ? "failed" : aborted ? "stopped" : "complete",
    engines: deps.engines,
    summary: counts,
    shardsWritten: writer.written,
    error: error ? describeError(error) : undefined,
  });
  try {
    await writeManifest(storage, manifest);
  } catch (e) {
    error ??= e;
  }
  if (error) throw error;
  return summary;
}

/** Rows in the run's domain (capped to num_samples in test mode) and how many of them are already finished. */
async function domainCounts(
  config: PipelineConfig,
  source: TextSource,
  only: ReadonlySet<number> | undefined,
  skip: { has(i: number): boolean },
  skippedAll: number,
  signal?: AbortSignal,
): Promise<{ domain: number; skipped: number; exact: boolean }> {
  if (config.test_mode) {
    // A few rows: read them (the domain's first num_samples in dataset order).
    let domain = 0;
    let skipped = 0;
    for await (const row of source.read({ only, signal })) {
      if (domain >= config.num_samples) break;
      domain++;
      if (skip.has(row.index)) skipped++;
    }
    return { domain, skipped, exact: true };
  }
  if (only) return { domain: only.size, skipped: [...only].filter((i) => skip.has(i)).length, exact: true };
  // skippedAll counts only done/failed rows found in the dataset (verifyDoneTexts), so it is exact too.
  const count = await source.count();
  return { domain: count ?? 0, skipped: Math.min(count ?? 0, skippedAll), exact: count !== undefined };
}

/** How the config drives the scheduler; shared with the distributed worker (core/distributed/range_worker.ts). */
export function scheduleOptionsOf(config: PipelineConfig, factory: WorkerFactory, logger: Logger): ScheduleOptions {
  const p = config.processing;
  return {
    factory,
    workerDevices: p.devices.flatMap((d) => Array.from({ length: p.num_procs_per_device }, () => d)),
    batchSize: p.batch_size,
    maxAttempts: p.max_retries,
    itemTimeoutMs: p.item_timeout_s * 1000,
    tts: { speaker: p.speaker, lang: p.lang, cps: p.cps, temperature: p.temperature, topK: p.top_k, seed: p.seed, longText: p.long_text },
    logger,
  };
}
