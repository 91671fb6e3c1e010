// Which output a run writes to: the job identity the CLI uses (core/job/identity.ts: everything that changes the
// tokens or how rows map to shards, and the dataset), with the page's own dataset identity (file name, size and
// date, or hf:name/split) as the dataset's name. Any change starts a fresh output and the earlier one stays
// stored under its own identity. Device, workers, batch size and the row count are not part of it.
import type { PipelineConfig } from "../core/config/types.ts";
import { diffIdentity, type JobIdentity, jobIdentityOf } from "../core/job/identity.ts";

export type OutputIdentity = JobIdentity;

export function outputIdentity(config: PipelineConfig, datasetIdentity: string): OutputIdentity {
  const identity = jobIdentityOf(config);
  return { ...identity, dataset: { ...identity.dataset, name: datasetIdentity } };
}

/** A short stable name for the identity (the output's folder name). */
export async function outputId(identity: OutputIdentity): Promise<string> {
  const bytes = new TextEncoder().encode(JSON.stringify(identity));
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest.slice(0, 8), (b) => b.toString(16).padStart(2, "0")).join("");
}

// The identity's names for the page's fields.
const FIELD_NAMES: Record<string, string> = { shard_rows: "save batch size", "dataset.name": "dataset" };

/** What differs, in the page's words: ["seed 0 → 1", "format \"csv\" → \"parquet\""]. */
export function identityChanges(before: OutputIdentity, after: OutputIdentity): string[] {
  return diffIdentity(before, after).map((line) => {
    const [, key, was, now] = line.match(/^(.*?): output has (.*), this run (.*)$/) ?? [];
    if (!key) return line;
    const name = FIELD_NAMES[key] ?? key.replace(/^models\.(\w+)\.ref$/, "$1 model").replace(/^dataset\./, "").replaceAll("_", " ");
    return `${name} ${was} → ${now}`;
  });
}
