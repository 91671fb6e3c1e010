// `deno task run --config cfg.yaml`: the pipeline CLI. Bad input -> one clear line and a non-zero exit.
import { loadConfig } from "../core/config/load.ts";
import type { PipelineConfig } from "../core/config/types.ts";
import { ConfigError } from "../core/errors.ts";
import { runCli } from "./cli/common.ts";
import { runPipeline } from "../core/pipeline.ts";
import { readRemainingIndices } from "../core/source/remaining_indices.ts";
import { parseRunArgs, RUN_USAGE } from "./args.ts";
import { openJobFolder } from "./job_folder.ts";
import { createLogger } from "./logger.ts";
import { openTextSource } from "./open_source.ts";
import { formatDuration, formatProgress, ProgressView } from "./progress_view.ts";
import { createWorkerFactory, DEFAULT_ENGINE_MODULE } from "./device_workers.ts";


/** Reads the config file named by --config (or fails with a message saying how to give one). */
export async function configFromArgs(args: string[]) {
  const parsed = parseRunArgs(args);
  if (parsed.help) return { parsed, config: undefined };
  if (!parsed.configPath) throw new ConfigError("no config given: pass --config cfg.yaml (see --help)");
  let text: string;
  try {
    text = await Deno.readTextFile(parsed.configPath);
  } catch (e) {
    throw new ConfigError(`${parsed.configPath}: cannot read the config file (${e instanceof Deno.errors.NotFound ? "not found" : (e as Error).message})`);
  }
  const config = loadConfig(text, { source: parsed.configPath, overrides: parsed.overrides });
  return { parsed, config };
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
  const source = await openTextSource(config.dataset);
  const { storage, lock, identity } = await openJobFolder(config, { logger, modelsUsed: engineModule === DEFAULT_ENGINE_MODULE, what: "deno task run" });
  const controller = new AbortController();
  // Another run took the folder over (it judged this one gone): write nothing more, not even finished rows.
  lock.lost.addEventListener("abort", () => Deno.exit(2));
  const onSignal = () => {
    if (controller.signal.aborted) Deno.exit(130);
    logger.warn("interrupted: finishing the rows in flight and writing what is done (press Ctrl-C again to quit now)");
    controller.abort();
  };
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  const engines: string[] = [];
  const pool = createWorkerFactory({
    config,
    engineModule,
    logger,
    onStarted: (_, d) => engines.push(d),
  });
  logger.info(`${config.test_mode ? "test mode: " : ""}${source.label} -> ${storage.label} (${config.processing.format}), ` +
    `${config.processing.devices.join(", ")} x ${config.processing.num_procs_per_device} worker(s)`);
  try {
    const summary = await runPipeline(config, {
      source,
      storage,
      factory: pool.factory,
      logger,
      remainingIndices,
      retryFailed: parsed.retryFailed,
      signal: controller.signal,
      engines,
      identity,
      onProgress: (p) => view.update(p),
    });
    view.clear();
    logger.info(`${summary.aborted ? "stopped" : "finished"}: ${formatProgress(summary)}; ${summary.skipped} already done; ` +
      `${summary.audioSeconds.toFixed(1)} s of audio in ${formatDuration(summary.elapsedMs / 1000)}; ${summary.shards.length} shard(s) written`);
    return summary.aborted ? 130 : 0;
  } finally {
    await pool.close();
    await lock.release();
    logger.close();
    Deno.removeSignalListener("SIGINT", onSignal);
    Deno.removeSignalListener("SIGTERM", onSignal);
  }
}

if (import.meta.main) await runCli(() => main(Deno.args));
