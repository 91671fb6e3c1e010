// Command-line flags of `deno task run`; they override the config file.
import { parseArgs } from "node:util";
import { closest } from "fastest-levenshtein";
import type { CliOverrides } from "../core/config/load.ts";
import { ConfigError } from "../core/errors.ts";

export const RUN_USAGE = `Usage: deno task run --config cfg.yaml [options]

  --config FILE        YAML config (seed-compatible; see README "Config reference")
  --test               test mode: run test.num_samples rows with the test section's settings
  --save-dir DIR       output folder (overrides processing.save_dir)
  --dataset NAME       Hugging Face dataset (owner/name) or a local .parquet/.csv/.jsonl/.txt file
  --split NAME         dataset split (default train)
  --speaker NAME       speaker preset name or a file with a 192-d vector
  --devices LIST       comma-separated: gpu:0,gpu:1 | cpu | wasm | webgpu
  --format csv|parquet output format
  --retry-failed       also retry rows recorded as failed by earlier runs
  --nats URL           scale out: coordinate the job on this NATS JetStream server (README "Scale out on NATS")
  --nats-creds FILE    NATS credentials file (.creds); or NATS_CREDS in the environment
  --nats-user NAME     NATS user (with --nats-pass); or NATS_USER
  --nats-pass PASS     NATS password; prefer NATS_PASS in the environment (deno task echoes its command
                       line and ps shows every argument)
  --nats-token TOKEN   NATS token; prefer NATS_TOKEN in the environment
  --job NAME           scale-out job name (overrides distributed.job)
  --engine-module URL  module that exports createEngines (default: models/registry.ts)
  --help               this text`;

const OPTIONS = {
  config: { type: "string" },
  test: { type: "boolean" },
  "save-dir": { type: "string" },
  dataset: { type: "string" },
  split: { type: "string" },
  speaker: { type: "string" },
  devices: { type: "string" },
  format: { type: "string" },
  "retry-failed": { type: "boolean" },
  nats: { type: "string" },
  "nats-creds": { type: "string" },
  "nats-user": { type: "string" },
  "nats-pass": { type: "string" },
  "nats-token": { type: "string" },
  job: { type: "string" },
  "engine-module": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

export interface RunArgs {
  configPath?: string;
  overrides: CliOverrides;
  retryFailed: boolean;
  engineModule?: string;
  help: boolean;
}

export function parseRunArgs(args: string[]): RunArgs {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (e) {
    const msg = (e as Error).message;
    const flag = msg.match(/'(--?[\w-]+)'/)?.[1];
    const hint = flag?.startsWith("--") ? closest(flag.slice(2), Object.keys(OPTIONS)) : undefined;
    throw new ConfigError(`${flag ? `unknown or malformed flag ${flag}` : msg}${hint ? ` (did you mean --${hint}?)` : ""}; see --help`);
  }
  const format = values.format as string | undefined;
  if (format !== undefined && format !== "csv" && format !== "parquet") {
    throw new ConfigError(`--format: expected csv or parquet, got "${format}"`);
  }
  const overrides: CliOverrides = {
    test: values.test ? true : undefined,
    save_dir: values["save-dir"] as string | undefined,
    dataset: values.dataset as string | undefined,
    split: values.split as string | undefined,
    speaker: values.speaker as string | undefined,
    devices: (values.devices as string | undefined)?.split(",").map((d) => d.trim()).filter(Boolean),
    format,
    nats: values.nats as string | undefined,
    nats_creds: values["nats-creds"] as string | undefined,
    nats_user: values["nats-user"] as string | undefined,
    nats_pass: values["nats-pass"] as string | undefined,
    nats_token: values["nats-token"] as string | undefined,
    job: values.job as string | undefined,
  };
  return {
    configPath: values.config as string | undefined,
    overrides,
    retryFailed: Boolean(values["retry-failed"]),
    engineModule: values["engine-module"] as string | undefined,
    help: Boolean(values.help),
  };
}
