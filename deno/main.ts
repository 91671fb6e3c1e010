// `deno task run --config cfg.yaml`: the pipeline CLI. Bad input -> one clear line and a non-zero exit.
import { loadConfig, MAX_CONFIG_CHARS, tooBig } from "../core/config/load.ts";
import type { PipelineConfig } from "../core/config/types.ts";
import { ConfigError } from "../core/errors.ts";
import { runCli } from "./cli/common.ts";
import { runPipeline, startRun } from "../core/pipeline.ts";
import { readRemainingIndices } from "../core/source/remaining_indices.ts";
import { SHARD_RE } from "../core/sink/shard_names.ts";
import { parseRunArgs, RUN_USAGE } from "./args.ts";
import { openJobFolder } from "./job_folder.ts";
import { createLogger } from "./logger.ts";
import { openTextSource } from "./open_source.ts";
import { formatDuration, formatProgress, ProgressView } from "./progress_view.ts";
import { createWorkerFactory, DEFAULT_ENGINE_MODULE } from "./device_workers.ts";
import { installShutdown } from "./shutdown.ts";
import { hostInfo } from "./host_info.ts";
import { LANGUAGE_CODES, languageId } from "../models/whisperspeech/languages.ts";


/** Reads the config file named by --config (or fails with a message saying how to give one). */
export async function configFromArgs(args: string[]) {
  const parsed = parseRunArgs(args);
  if (parsed.help) return { parsed, config: undefined };
  if (!parsed.configPath) throw new ConfigError("no config given: pass --config cfg.yaml (see --help)");
  let text: string;
  try {
    const { size } = await Deno.stat(parsed.configPath);
    if (size > 4 * MAX_CONFIG_CHARS) throw tooBig(parsed.configPath, size); // before reading it all
    text = await Deno.readTextFile(parsed.configPath);
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError(`${parsed.configPath}: cannot read the config file (${e instanceof Deno.errors.NotFound ? "not found" : (e as Error).message})`);
  }
  const config = loadConfig(text, {
    source: parsed.configPath,
    overrides: parsed.overrides,
    host: hostInfo(),
    languages: { known: knownLanguage, list: LANGUAGE_CODES },
  });
  return { parsed, config };
}

function knownLanguage(lang: string): boolean {
  try {
    languageId(lang);
    return true;
  } catch {
    return false;
  }
}

async function remainingFor(config: PipelineConfig): Promise<number[] | undefined> {
  const file = config.dataset.remaining_indices_file;
  if (!file) return undefined;
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (e) {
    throw new ConfigError(`${file}: cannot read dataset.remaining_indices_file (${(e as Error).message})`);
  }
  return readRemainingIndices(text, file);
}

/** Whether save_dir already holds shards (a resume); only lists the folder. */
async function holdsShards(dir: string): Promise<boolean> {
  try {
    for await (const e of Deno.readDir(dir)) if (SHARD_RE.test(e.name)) return true;
  } catch { /* no folder yet: a fresh job */ }
  return false;
}

export async function main(args: string[]): Promise<number> {
  const { parsed, config } = await configFromArgs(args);
  if (!config) {
    console.log(RUN_USAGE);
    return 0;
  }
  const logger = createLogger({ consoleLevel: config.logging.console_level, fileLevel: config.logging.file_level, logFile: config.logging.log_file });
  const view = new ProgressView();
  logger.beforeConsole = () => view.clear();
  for (const w of config.warnings) logger.warn(`${config.source}: ${w}`);
  if (config.distributed) {
    // Scale-out: this process coordinates; `deno task worker` processes run the rows (deno/nats/).
    const { runCoordinator } = await import("./nats/coordinator.ts");
    try {
      return await runCoordinator(config, { logger, retryFailed: parsed.retryFailed, remainingIndices: await remainingFor(config) });
    } finally {
      logger.close();
    }
  }
  const engineModule = parsed.engineModule ?? Deno.env.get("ICHIGO_ENGINE_MODULE") ?? DEFAULT_ENGINE_MODULE;
  const remainingIndices = await remainingFor(config);
  // The dataset's checking pass: a fresh job makes it now, before models are fetched to identify the job; a
  // resume leaves it to the run's first step, which makes it in the same read as the text check of the done rows
  // (one pass over the file, not two), still before any model is prepared.
  const source = await openTextSource(config.dataset, { check: false });
  if (!await holdsShards(config.processing.save_dir)) await source.count();
  const { storage, lock, identity } = await openJobFolder(config, { logger, modelsUsed: engineModule === DEFAULT_ENGINE_MODULE, what: "deno task run" });
  // Another run took the folder over (it judged this one gone): write nothing more, not even finished rows.
  lock.lost.addEventListener("abort", () => Deno.exit(2));
  const engines: string[] = [];
  const pool = createWorkerFactory({
    config,
    engineModule,
    logger,
    onStarted: (_, d) => engines.push(d),
  });
  const deps = { source, storage, logger, remainingIndices, retryFailed: parsed.retryFailed, engines, identity };
  // Models are fetched and converted once, before any worker starts: a model that cannot be converted stops the
  // run here with its message. No signal handler yet: a signal during a download or a conversion (which holds
  // this thread) ends the process at once, and nothing is lost (cache files are renamed into place when whole).
  // A finished job run again needs no model at all.
  let start;
  try {
    start = await startRun(config, deps);
    if (!start.nothingLeft) await pool.prepare();
  } catch (e) {
    await lock.release(); // a bad dataset, another job's folder, a model that cannot be converted: no stale lock left
    throw e;
  }
  const shutdown = installShutdown(logger, () => pool.stop());
  logger.info(`${config.test_mode ? "test mode: " : ""}${source.label} -> ${storage.label} (${config.processing.format}), ` +
    `${config.processing.devices.join(", ")} x ${config.processing.num_procs_per_device} worker(s)`);
  try {
    const summary = await runPipeline(config, {
      ...deps,
      factory: pool.factory,
      signal: shutdown.signal,
      onProgress: (p) => view.update(p),
    }, start);
    view.clear();
    logger.info(`${summary.aborted ? "stopped" : "finished"}: ${formatProgress(summary)}; ${summary.skipped} already done; ` +
      `${summary.audioSeconds.toFixed(1)} s of audio in ${formatDuration(summary.elapsedMs / 1000)}; ${summary.shards.length} shard(s) written`);
    return summary.aborted ? shutdown.code() ?? 130 : 0;
  } finally {
    if (shutdown.signal.aborted) pool.stop(); // a signal: end the device processes now (else close() lets them finish)
    await pool.close();
    await lock.release();
    shutdown.dispose();
    logger.close();
  }
}

if (import.meta.main) await runCli(() => main(Deno.args));
