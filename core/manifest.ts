// manifest.json: what produced the output (config, models) and an account of every run, appended per run.
import type { PipelineConfig } from "./config/types.ts";
import type { Storage } from "./sink/storage.ts";
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

export async function readManifest(storage: Storage): Promise<Manifest | undefined> {
  const bytes = await storage.read(MANIFEST);
  if (!bytes) return undefined;
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return undefined; // rewritten whole below; shards, not the manifest, are the truth
  }
}

export async function writeManifest(storage: Storage, manifest: Manifest): Promise<void> {
  await storage.write(MANIFEST, new TextEncoder().encode(JSON.stringify(manifest, null, 2) + "\n"));
}
