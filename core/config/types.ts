// The validated, resolved configuration (after YAML parsing, defaults, test-mode and CLI overrides).
import type { ModelRefs } from "../worker/engines.ts";

export type OutputFormat = "csv" | "parquet";
export type LogLevel = "debug" | "info" | "warning" | "error";

export interface DatasetConfig {
  /** Hugging Face dataset name (`owner/name`), or a local path / URL to parquet, csv, jsonl or txt. */
  name: string;
  split: string;
  /** Hub config (subset) name; default "default". */
  subset?: string;
  /** JSON list of dataset indices to restrict the run to (as in the seed). */
  remaining_indices_file?: string;
  /** Text column (default "prompt"). */
  text_column: string;
  /** Index column (default "index"); when the dataset lacks it, the row number is the index. */
  index_column: string;
}

export interface ProcessingConfig {
  /** gpu:N, cpu, wasm, webgpu (cuda:N is accepted as an alias of gpu:N). */
  devices: string[];
  num_procs_per_device: number;
  save_dir: string;
  /** Rows per durable write (and per shard file). */
  save_batch_size: number;
  /** Attempts per item (the seed's meaning: 3 means up to 3 tries). */
  max_retries: number;
  /** Sample rate of the codec input (24000 for EnCodec 24 kHz). */
  sample_rate: number;
  speaker: string;
  format: OutputFormat;
  /** Items sent to a worker at once (batched generation). */
  batch_size: number;
  /** Seconds an item may take before its worker is declared hung and replaced. */
  item_timeout_s: number;
  lang: string;
  cps: number;
  temperature: number;
  top_k?: number;
  seed: number;
  long_text: "split" | "truncate" | "fail";
  /** EnCodec bandwidth in kbps (1.5 -> 2 codebooks). */
  bandwidth: number;
  /** WhisperSpeech decoder graphs: auto = fp16 on a WebGPU adapter with shader-f16, else fp32 (cpu, wasm). */
  precision: Precision;
}

export type Precision = "auto" | "fp32" | "fp16";

export interface LoggingConfig {
  log_file?: string;
  console_level: LogLevel;
  file_level: LogLevel;
}

export interface PipelineConfig {
  dataset: DatasetConfig;
  /** Effective processing settings (the `test` section applied when test mode is on). */
  processing: ProcessingConfig;
  test_mode: boolean;
  /** Rows to run in test mode. */
  num_samples: number;
  logging: LoggingConfig;
  models: ModelRefs;
  /** Where the config came from (path), for messages and the manifest. */
  source?: string;
  /** Scale-out across hosts on NATS JetStream; present only when a server URL is configured. */
  distributed?: DistributedConfig;
  /** Non-fatal remarks about the config (e.g. the seed's `s3` section is not acted on). */
  warnings: string[];
}

export interface DistributedConfig {
  /** Server URL(s), comma-separated: nats://host:4222. */
  nats: string;
  /** Names the job's streams; by default derived from the dataset and save_dir (see core/distributed/names.ts). */
  job?: string;
  /** Rows per range (one message, one shard); default processing.save_batch_size. */
  range_size: number;
  /** Deliveries of a range before it is given up as dead. */
  max_deliver: number;
  /** Seconds without an ack or a heartbeat before a range is redelivered to another worker. */
  ack_wait_s: number;
  /** How long the server remembers message ids, so a restarted coordinator never enqueues a range twice. */
  dedup_window_s: number;
  /** Credentials: a .creds file, user/pass, or a token. */
  creds?: string;
  user?: string;
  pass?: string;
  token?: string;
  /** TLS: CA file to trust, and a client certificate and key for mutual TLS. */
  tls?: { ca?: string; cert?: string; key?: string };
}
