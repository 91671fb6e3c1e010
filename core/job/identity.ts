// A save_dir belongs to one job. Its identity (the settings that change tokens or how rows map to shards, and
// the dataset) is written to job.json at the first run; every later run, NATS coordinator or worker, `remaining`,
// the browser page and `combine` builds its own identity from its resolved config and compares. Settings that do
// not change tokens (devices, workers, batch_size, logging, timeouts, test mode) are deliberately not in it.
import type { PipelineConfig } from "../config/types.ts";
import { redactUrl } from "../redact.ts";

export const JOB_FILE = "job.json";

/** Content hashes of what the config names by reference (filled in by the runtime that can read them). */
export interface JobFacts {
  /** sha256 of each model's source checkpoint (or a stable id for generated demo models), by role. */
  models?: { t2s?: string; s2a?: string; vocos?: string; codec?: string };
  /** sha256 of the speaker vector file (absent for a built-in preset). */
  speaker?: string;
}

/** The job's identity. Compared leaf by leaf; all leaves are JSON scalars or null. */
export interface JobIdentity {
  generation: {
    models: Record<"t2s" | "s2a" | "vocos" | "codec", { ref: string | null; sha256: string | null }>;
    seed: number;
    temperature: number;
    top_k: number | null;
    cps: number;
    lang: string;
    speaker: string;
    speaker_sha256: string | null;
    bandwidth: number;
    sample_rate: number;
    long_text: string;
    /** processing.precision: fp16 graphs give slightly different tokens (outputs before it existed: fp32). A
     * precision other than fp32 carries the version of the fp16 graphs (FP16_GRAPHS), so a folder is never
     * continued with fp16 graphs of another kind. */
    precision: string;
  };
  output: {
    format: string;
    /** save_batch_size (single machine) or distributed.range_size (NATS): rows per shard. */
    shard_rows: number;
  };
  dataset: { name: string; subset: string; split: string; text_column: string; index_column: string };
}

/** The fp16 graphs' kind: (no suffix, before) float32 KV caches, fp16 T2S/S2A decoders only; 2: float16 KV caches,
 * fp16 encoders and Vocos. A change that alters fp16 tokens bumps it. */
export const FP16_GRAPHS = 2;

/** What job.json holds: the identity plus when it was first written (not compared). */
export interface JobFile {
  tool: "ichigo-tts-tokens";
  version: 1;
  created: string;
  identity: JobIdentity;
}

/** The identity of the job `config` describes. `facts` adds content hashes; leave them out only in tests. */
export function jobIdentityOf(config: PipelineConfig, facts: JobFacts = {}): JobIdentity {
  const p = config.processing;
  const d = config.dataset;
  // URL credentials are not part of a job (another password reaches the same data) and never reach job.json.
  const model = (role: "t2s" | "s2a" | "vocos" | "codec") => {
    const ref = config.models[role];
    return { ref: ref === undefined ? null : redactUrl(ref), sha256: facts.models?.[role] ?? null };
  };
  return {
    generation: {
      models: { t2s: model("t2s"), s2a: model("s2a"), vocos: model("vocos"), codec: model("codec") },
      seed: p.seed,
      temperature: p.temperature,
      top_k: p.top_k ?? null,
      cps: p.cps,
      lang: p.lang,
      speaker: p.speaker,
      speaker_sha256: facts.speaker ?? null,
      bandwidth: p.bandwidth,
      sample_rate: p.sample_rate,
      long_text: p.long_text,
      precision: !p.precision || p.precision === "fp32" ? "fp32" : `${p.precision}/${FP16_GRAPHS}`,
    },
    output: { format: p.format, shard_rows: config.distributed?.range_size ?? p.save_batch_size },
    dataset: {
      name: redactUrl(d.name.replace(/^(\.\/)+/, "")),
      subset: d.subset ?? "default",
      split: d.split,
      text_column: d.text_column,
      index_column: d.index_column,
    },
  };
}

/** One line per differing leaf, e.g. `seed: output has 0, this run 1` (empty when equal). A content hash that
 * one side does not know (null: `remaining` and the NATS coordinator do not read models, test doubles use none)
 * is not compared; the refs still are. */
export function diffIdentity(output: JobIdentity, run: JobIdentity): string[] {
  const out: string[] = [];
  const walk = (a: unknown, b: unknown, path: string) => {
    if (isObject(a) && isObject(b)) {
      for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) walk(a[k], b[k], path ? `${path}.${k}` : k);
    } else if ((a === null || b === null) && /sha256$/.test(path)) {
      return;
    } else if (JSON.stringify(a ?? null) !== JSON.stringify(b ?? null)) {
      out.push(`${shortPath(path)}: output has ${JSON.stringify(a ?? null)}, this run ${JSON.stringify(b ?? null)}`);
    }
  };
  walk(output, run, "");
  return out;
}

// `generation.seed` reads as `seed`; models and dataset keep their group (`models.t2s.sha256`, `dataset.name`).
const shortPath = (path: string) => path.replace(/^generation\./, "").replace(/^output\./, "");

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

export function encodeJobFile(identity: JobIdentity, created: Date): Uint8Array {
  const file: JobFile = { tool: "ichigo-tts-tokens", version: 1, created: created.toISOString(), identity };
  return new TextEncoder().encode(JSON.stringify(file, null, 2) + "\n");
}

/** Parses job.json; throws an Error with the reason when it is not one this tool wrote. */
export function decodeJobFile(bytes: Uint8Array): JobFile {
  let v: unknown;
  try {
    v = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (e) {
    throw new Error(`not JSON (${(e as Error).message})`);
  }
  if (!isObject(v) || v.tool !== "ichigo-tts-tokens" || v.version !== 1 || !isObject(v.identity)) throw new Error("not a job file of this tool");
  const id = v.identity;
  if (!isObject(id.generation) || !isObject(id.output) || !isObject(id.dataset) || !isObject(id.generation.models)) {
    throw new Error("identity has an unexpected shape");
  }
  id.generation.precision ??= "fp32"; // written before processing.precision existed: every graph was fp32
  return v as unknown as JobFile;
}
