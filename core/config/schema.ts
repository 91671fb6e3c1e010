// The YAML schema (zod), compatible with the seed's synthetic_generation_cfg.yaml plus our additions.
// Everything is optional here: defaults are applied in load.ts so a missing section is never an error.
import { z } from "zod";

const count = z.number().int().positive();
const level = z.string().transform((s) => s.toLowerCase()).pipe(
  z.enum(["debug", "info", "warning", "warn", "error", "critical"]),
);

/** gpu:N, cuda:N (alias of gpu:N), cpu, wasm, webgpu. */
export const DEVICE_PATTERN = /^(gpu:\d+|cuda:\d+|cpu|wasm|webgpu)$/;
const device = z.string().regex(DEVICE_PATTERN, "expected gpu:N, cuda:N, cpu, wasm or webgpu");

const processingKeys = {
  do_test: z.boolean(),
  devices: z.array(device).min(1),
  num_procs_per_device: count,
  save_dir: z.string().min(1),
  save_batch_size: count,
  max_retries: count,
  sample_rate: count,
  speaker: z.string().min(1),
  format: z.enum(["csv", "parquet"]),
  batch_size: count,
  item_timeout_s: z.number().positive(),
  lang: z.string().min(1),
  cps: z.number().positive(),
  temperature: z.number().min(0),
  top_k: count.nullable(),
  seed: z.number().int().min(0),
  long_text: z.enum(["split", "truncate", "fail"]),
  bandwidth: z.union([z.literal(1.5), z.literal(3), z.literal(6), z.literal(12), z.literal(24)]),
  precision: z.enum(["auto", "fp32", "fp16"]),
};

export const configSchema = z.strictObject({
  dataset: z.strictObject({
    name: z.string().min(1),
    split: z.string().min(1),
    subset: z.string().min(1),
    remaining_indices_file: z.string().min(1).nullable(),
    text_column: z.string().min(1),
    index_column: z.string().min(1),
  }).partial(),
  processing: z.strictObject(processingKeys).partial(),
  test: z.strictObject({ num_samples: count, ...processingKeys }).partial(),
  logging: z.strictObject({
    log_file: z.string().min(1).nullable(),
    console_level: level,
    file_level: level,
  }).partial(),
  models: z.strictObject({
    t2s: z.string().min(1),
    s2a: z.string().min(1),
    vocos: z.string().min(1),
    codec: z.string().min(1),
    cache_dir: z.string().min(1),
  }).partial(),
  /** Accepted for seed compatibility; upload is not done by this tool (a warning says so). */
  s3: z.record(z.string(), z.unknown()),
  /** Scale-out on NATS JetStream (README "Scale out on NATS"); off unless a server URL is given. */
  distributed: z.strictObject({
    nats: z.string().min(1),
    job: z.string().regex(/^[A-Za-z0-9_-]{1,48}$/, "expected 1-48 letters, digits, _ or -"),
    range_size: count,
    max_deliver: count,
    ack_wait_s: z.number().positive(),
    dedup_window_s: z.number().positive(),
    creds: z.string().min(1),
    user: z.string().min(1),
    pass: z.string().min(1),
    token: z.string().min(1),
    tls: z.strictObject({ ca: z.string().min(1), cert: z.string().min(1), key: z.string().min(1) }).partial(),
  }).partial(),
}).partial();

export type RawConfig = z.infer<typeof configSchema>;

/** Every key the schema knows at each path, for did-you-mean suggestions. */
export function knownKeys(path: (string | number)[]): string[] {
  // deno-lint-ignore no-explicit-any
  let node: any = configSchema;
  for (const key of path) {
    node = unwrap(node);
    const shape = node?.shape ?? node?._zod?.def?.shape;
    if (!shape || typeof key !== "string") return [];
    node = shape[key];
  }
  node = unwrap(node);
  return Object.keys(node?.shape ?? node?._zod?.def?.shape ?? {});
}

// deno-lint-ignore no-explicit-any
function unwrap(node: any): any {
  while (node?._zod?.def?.innerType) node = node._zod.def.innerType;
  return node;
}
