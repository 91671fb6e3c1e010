// manifest.json: what produced the output (config, models) and an account of every run, appended per run.
import type { PipelineConfig } from "./config/types.ts";
import type { Logger } from "./log.ts";
import { quarantine } from "./sink/quarantine.ts";
import type { Storage } from "./sink/storage.ts";
import { redactUrl } from "./redact.ts";
import type { RunSummary } from "./types.ts";

export const MANIFEST = "manifest.json";

export interface RunRecord {
  started: string;
  finished?: string;
  status: "running" | "complete" | "stopped" | "failed";
  config: PipelineConfig;
  engines?: string[];
  summary?: Omit<RunSummary, "shards">;
  shardsWritten?: string[];
  error?: string;
  /** A scale-out run: the coordinator's account of its ranges (README "Scale out on NATS"). */
  distributed?: { job: string; ranges: number; done: number; dead: string[]; rows: number; rowsDone: number; rowsFailed: number };
}

export interface Manifest {
  tool: string;
  format: string;
  dataset: { name: string; split: string; text_column: string; index_column: string };
  models: PipelineConfig["models"];
  runs: RunRecord[];
}

/** The manifest, or undefined when there is none. One that is not JSON or not of this shape is moved to
 * quarantine/ with a warning (shards, not the manifest, are the truth) unless `readOnly`. */
export async function readManifest(storage: Storage, logger?: Logger, readOnly = false): Promise<Manifest | undefined> {
  const bytes = await storage.read(MANIFEST);
  if (!bytes) return undefined;
  let reason: string;
  try {
    const v = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
    if (v && typeof v === "object" && !Array.isArray(v) && Array.isArray(v.runs) && v.runs.every((r: unknown) => r && typeof r === "object")) {
      return v as Manifest;
    }
    reason = "not a manifest of this tool (unexpected shape)";
  } catch (e) {
    reason = `not JSON (${(e as Error).message})`;
  }
  logger?.warn(`${storage.label}/${MANIFEST}: ${reason}; ${readOnly ? "left as it is" : "moved to quarantine/, a new one is started"}`);
  if (!readOnly) await quarantine(storage, MANIFEST);
  return undefined;
}

export async function writeManifest(storage: Storage, manifest: Manifest): Promise<void> {
  // A dataset, model or server URL may carry credentials (user:pass@, ?token=): they never reach the output folder.
  const json = JSON.stringify(manifest, (_, v) => (typeof v === "string" ? redactUrl(v) : v), 2);
  await storage.write(MANIFEST, new TextEncoder().encode(json + "\n"));
}
