// YAML text -> validated PipelineConfig: parse, validate (one clear line per problem), apply defaults,
// CLI overrides and test mode.
import { isMap, isScalar, isSeq, parseDocument } from "yaml";
import { closest } from "fastest-levenshtein";
import type { z } from "zod";
import { ConfigError } from "../errors.ts";
import { checkTimeouts, checkWorkerBounds, cut, type HostInfo, MAX_TIMER_MS } from "./bounds.ts";
import { configSchema, DEVICE_PATTERN, knownKeys, type RawConfig } from "./schema.ts";
import type { DistributedConfig, LogLevel, PipelineConfig, ProcessingConfig } from "./types.ts";

/** Flags given on the command line; they win over the file. */
export interface CliOverrides {
  test?: boolean;
  save_dir?: string;
  dataset?: string;
  split?: string;
  speaker?: string;
  devices?: string[];
  format?: "csv" | "parquet";
  nats?: string;
  /** Connection and job options of the scale-out flags (--nats-creds, --nats-user, ...). */
  nats_creds?: string;
  nats_user?: string;
  nats_pass?: string;
  nats_token?: string;
  job?: string;
}

export const DEFAULT_MODELS = {
  t2s: "collabora/whisperspeech:t2s-v1.1-small-en+pl.model",
  s2a: "collabora/whisperspeech:s2a-q4-tiny-en+pl.model",
  vocos: "charactr/vocos-encodec-24khz",
  codec: "facebook/encodec_24khz",
} as const;

export const DEFAULT_PROCESSING: ProcessingConfig = {
  devices: ["gpu:0"],
  num_procs_per_device: 1,
  save_dir: "output",
  save_batch_size: 50,
  max_retries: 3,
  sample_rate: 24000,
  speaker: "default",
  format: "csv",
  batch_size: 8,
  item_timeout_s: 600,
  lang: "en",
  cps: 15,
  temperature: 0.7,
  top_k: undefined,
  seed: 0,
  long_text: "split",
  bandwidth: 1.5,
  precision: "fp32",
};

const DEFAULT_NUM_SAMPLES = 10;

/**
 * A config is a few KB. The YAML library holds a whole document in memory at about 300 bytes per list entry, so a
 * 4 MB file of a million devices took 14 s and 1.2 GB before any check could run: refused by size first.
 */
export const MAX_CONFIG_CHARS = 256 * 1024;

export function tooBig(where: string, size: number): ConfigError {
  return new ConfigError(`${where}: ${(size / 1024).toFixed(0)} KiB; a config file is at most ${MAX_CONFIG_CHARS / 1024} KiB ` +
    `(is this the right file?)`);
}

/** What the runtime can check beyond the schema: the machine (worker bounds) and the model's languages. */
export interface LoadChecks {
  host?: HostInfo;
  /** Whether the TTS model knows `lang` (a code or a name); with the message's list of codes. */
  languages?: { known: (lang: string) => boolean; list: readonly string[] };
}

/** Parses and validates a config file's text. `source` (the file path) prefixes YAML syntax errors. */
export function loadConfig(
  yamlText: string,
  options: { source?: string; overrides?: CliOverrides } & LoadChecks = {},
): PipelineConfig {
  const where = options.source ?? "config";
  if (yamlText.length > MAX_CONFIG_CHARS) throw tooBig(where, yamlText.length);
  const doc = parseDocument(yamlText, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const pos = e.linePos?.[0];
    const at = pos ? `${where}:${pos.line}:${pos.col}` : where;
    throw new ConfigError(`${at}: YAML syntax error: ${e.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "")}`);
  }
  let data: unknown;
  try {
    // Keys must be plain scalars; aliases must point back to an anchor (and are capped against alias bombs).
    assertScalarKeys(doc.contents, where);
    data = doc.toJS({ mapAsMap: false, maxAliasCount: 100 }) ?? {};
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError(`${where}: invalid YAML: ${(e as Error).message}`);
  }
  if (typeof data !== "object" || Array.isArray(data)) {
    throw new ConfigError(`${where}: expected a mapping of sections (dataset, processing, ...) at the top level`);
  }
  const parsed = configSchema.safeParse(data, { reportInput: true });
  if (!parsed.success) throw new ConfigError(`${where}: ${describeIssue(parsed.error.issues[0])}`);
  return resolveConfig(parsed.data, options.overrides ?? {}, options.source, options);
}

/** Defaults + overrides + test mode over a schema-valid raw config. */
export function resolveConfig(raw: RawConfig, overrides: CliOverrides, source?: string, checks: LoadChecks = {}): PipelineConfig {
  const warnings: string[] = [];
  if (raw.s3) warnings.push("the `s3` section is accepted for compatibility but not acted on: upload save_dir yourself");
  const base: ProcessingConfig = { ...DEFAULT_PROCESSING, ...stripNull(raw.processing ?? {}) };
  const testMode = overrides.test ?? raw.processing?.do_test ?? false;
  const { num_samples, ...testKeys } = raw.test ?? {};
  const processing: ProcessingConfig = testMode ? { ...base, ...stripNull(testKeys) } : base;
  delete (processing as { do_test?: boolean }).do_test;
  delete (processing as { num_samples?: number }).num_samples;
  if (overrides.save_dir) processing.save_dir = overrides.save_dir;
  if (overrides.speaker) processing.speaker = overrides.speaker;
  if (overrides.format) processing.format = overrides.format;
  if (overrides.devices) {
    overrides.devices.forEach((d, i) => {
      if (!DEVICE_PATTERN.test(d)) throw new ConfigError(`expected gpu:N, cuda:N, cpu, wasm or webgpu, got "${cut(d)}"`, `--devices[${i}]`);
    });
    processing.devices = overrides.devices;
  }
  processing.devices = processing.devices.map((d) => d.replace(/^cuda:/, "gpu:"));
  checkWorkerBounds(processing, overrides.devices ? "--devices" : `${testMode ? "test" : "processing"}.devices`, checks.host, warnings);
  checkTimeouts(processing, "processing.item_timeout_s");
  if (checks.languages && !checks.languages.known(processing.lang)) {
    throw new ConfigError(`unknown language "${cut(processing.lang, 40)}"; the model knows ${checks.languages.list.join(", ")} ` +
      `(codes, or names such as english)`, "processing.lang");
  }
  const cpuDevice = processing.devices.find((d) => d === "cpu" || d === "wasm");
  if (processing.precision === "fp16" && cpuDevice) {
    throw new ConfigError(`fp16 runs on WebGPU only (gpu:N, webgpu); ${cpuDevice} is always fp32: use auto or fp32`, "processing.precision");
  }
  // fp16 changes tokens: with auto, cpu/wasm workers (fp32) and GPU workers (fp16) would write rows of two kinds.
  const gpuDevice = processing.devices.find((d) => d.startsWith("gpu:") || d === "webgpu");
  if (processing.precision === "auto" && cpuDevice && gpuDevice) {
    throw new ConfigError(`auto would run ${gpuDevice} in fp16 and ${cpuDevice} in fp32, and their rows would differ: ` +
      `use fp32 (or GPU devices only)`, "processing.precision");
  }

  const ds = raw.dataset ?? {};
  const name = overrides.dataset ?? ds.name;
  if (!name) throw new ConfigError("missing: set dataset.name (a Hugging Face dataset or a local file) or pass --dataset", "dataset.name");
  const level = (l: string | undefined, d: LogLevel): LogLevel =>
    !l ? d : l === "warn" ? "warning" : l === "critical" ? "error" : l as LogLevel;
  return {
    dataset: {
      name,
      split: overrides.split ?? ds.split ?? "train",
      subset: ds.subset,
      remaining_indices_file: ds.remaining_indices_file ?? undefined,
      text_column: ds.text_column ?? "prompt",
      index_column: ds.index_column ?? "index",
    },
    processing,
    test_mode: testMode,
    num_samples: num_samples ?? DEFAULT_NUM_SAMPLES,
    logging: {
      log_file: raw.logging?.log_file ?? undefined,
      console_level: level(raw.logging?.console_level, "info"),
      file_level: level(raw.logging?.file_level, "debug"),
    },
    models: modelRefs(raw.models),
    distributed: resolveDistributed(raw.distributed, overrides, processing.save_batch_size, warnings),
    source,
    warnings,
  };
}

/** The config's `models` section as the engines take it (cache_dir -> cacheDir; it was silently ignored). */
function modelRefs(raw: RawConfig["models"]): PipelineConfig["models"] {
  const { cache_dir, ...refs } = raw ?? {};
  return { ...DEFAULT_MODELS, ...refs, ...(cache_dir ? { cacheDir: cache_dir } : {}) };
}

export const DEFAULT_DISTRIBUTED = { max_deliver: 5, ack_wait_s: 60, dedup_window_s: 86_400 } as const;

/** The scale-out settings, or undefined (single machine) when no NATS URL is given. Flags win over the file. */
function resolveDistributed(
  raw: RawConfig["distributed"],
  o: CliOverrides,
  saveBatchSize: number,
  warnings: string[],
): DistributedConfig | undefined {
  const nats = o.nats ?? raw?.nats;
  if (!nats) return undefined;
  const onCommandLine = [o.nats_pass && "--nats-pass", o.nats_token && "--nats-token", o.nats && /\/\/[^/]*@/.test(o.nats) && "--nats with credentials in the URL"]
    .filter(Boolean);
  if (onCommandLine.length > 0) {
    warnings.push(`${onCommandLine.join(", ")}: a secret on the command line is shown by ps to every user and echoed by deno task; ` +
      `set NATS_PASS / NATS_TOKEN in the environment instead`);
  }
  const merged = {
    ...DEFAULT_DISTRIBUTED,
    range_size: saveBatchSize,
    ...stripNull(raw ?? {}),
    nats,
    ...stripNull({ creds: o.nats_creds, user: o.nats_user, pass: o.nats_pass, token: o.nats_token, job: o.job }),
  };
  if (merged.ack_wait_s * 1000 > MAX_TIMER_MS) {
    throw new ConfigError(`${merged.ack_wait_s} s; at most ${Math.floor(MAX_TIMER_MS / 1000)} s (24.8 days: a longer timer fires at once)`, "distributed.ack_wait_s");
  }
  if (merged.job !== undefined && !/^[A-Za-z0-9_-]{1,48}$/.test(merged.job)) {
    throw new ConfigError(`expected 1-48 letters, digits, _ or -, got "${merged.job}"`, "--job");
  }
  return merged;
}

/** Drops keys left empty in YAML (`key:` with no value), so defaults apply. */
function stripNull<T extends object>(o: T): { [K in keyof T]?: Exclude<T[K], null> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], null>;
  };
}

/** `processing.devices[1]`-style path. */
export function formatPath(path: PropertyKey[]): string {
  return path.map((p, i) => typeof p === "number" ? `[${p}]` : `${i ? "." : ""}${String(p)}`).join("");
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = formatPath(issue.path);
  if (issue.code === "unrecognized_keys") {
    const parent = issue.path as (string | number)[];
    const known = knownKeys(parent);
    const key = cut(issue.keys[0]);
    const where = formatPath([...parent, key]);
    const hint = known.length ? closest(key, known) : undefined;
    return `${where}: unknown key${hint ? ` (did you mean "${hint}"?)` : ""}; known keys: ${known.join(", ")}`;
  }
  if (issue.code === "invalid_type") {
    const got = (issue as { input?: unknown }).input;
    return `${path || "(top level)"}: expected ${issue.expected}, got ${describeValue(got)}`;
  }
  return `${path || "(top level)"}: ${issue.message}`;
}

function describeValue(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "string") return `"${cut(v)}"`;
  if (typeof v === "object") return "a mapping";
  return `${typeof v} ${String(v)}`;
}

/** A key like `{a: 1}: x` would be stringified silently; say so instead. */
function assertScalarKeys(node: unknown, where: string, depth = 0): void {
  if (depth > 64) throw new ConfigError(`${where}: the YAML nests too deeply`);
  if (isMap(node)) {
    for (const pair of node.items) {
      if (pair.key !== null && !isScalar(pair.key)) throw new ConfigError(`${where}: a key must be a plain name, not a list or mapping`);
      assertScalarKeys(pair.value, where, depth + 1);
    }
  } else if (isSeq(node)) for (const item of node.items) assertScalarKeys(item, where, depth + 1);
}
