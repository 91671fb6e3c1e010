// Which output a run writes to. Everything that changes the tokens (generationOf: models, seed, format, speaker,
// ...) plus the dataset and the page's layout settings (columns, save batch size) names one output; any change
// starts a fresh output and the earlier one stays stored under its own identity. Device, workers, batch size and
// the row count do not change the tokens, so they continue the same output.
// TODO(merge): switch to core/job's identity once it lands, keeping this one function as the page's entry point.
import type { PipelineConfig } from "../core/config/types.ts";
import { diffSettings, generationOf } from "../core/distributed/fingerprint.ts";
import type { Generation } from "../core/distributed/messages.ts";

export interface OutputIdentity {
  /** The dataset as the page knows it: file name, size and date, or hf:name/split. */
  dataset: string;
  text_column: string;
  index_column: string;
  save_batch_size: number;
  generation: Generation;
}

export function outputIdentity(config: PipelineConfig, datasetIdentity: string): OutputIdentity {
  return {
    dataset: datasetIdentity,
    text_column: config.dataset.text_column,
    index_column: config.dataset.index_column,
    save_batch_size: config.processing.save_batch_size,
    generation: generationOf(config),
  };
}

/** A short stable name for the identity (the output's folder name). */
export async function outputId(identity: OutputIdentity): Promise<string> {
  const bytes = new TextEncoder().encode(JSON.stringify(identity));
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest.slice(0, 8), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** What differs, in the page's words: ["seed 0 → 1", "format csv → parquet"]. */
export function identityChanges(before: OutputIdentity, after: OutputIdentity): string[] {
  return diffSettings(after, before).map((line) => {
    const [, key, now, was] = line.match(/^(.*?): (.*) here vs (.*)$/) ?? [];
    const name = (key ?? line).replace(/^generation\.(models\.)?/, "").replaceAll("_", " ");
    return key ? `${name} ${was} → ${now}` : line;
  });
}
