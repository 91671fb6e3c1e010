// Shard file names. A shard is named by the first and last dataset index it holds, so names are deterministic
// and any host can redo a range; a re-run whose rows would land on a name already taken gets a `_rN` suffix.
import type { OutputFormat } from "../config/types.ts";

export const SHARD_RE = /^audio_tokens_(\d{9}_\d{9}(?:_r\d+)?)\.(csv|parquet)$/;
export const FAILED_RE = /^failed_indices_(\d{9}_\d{9}(?:_r\d+)?)\.json$/;
export const DETAILS_RE = /^failed_details_(\d{9}_\d{9}(?:_r\d+)?)\.json$/;
export const SPLIT_RE = /^split_indices_(\d{9}_\d{9}(?:_r\d+)?)\.json$/;

const pad = (n: number) => String(n).padStart(9, "0");

export function shardKey(first: number, last: number, taken: ReadonlySet<string>): string {
  const base = `${pad(first)}_${pad(last)}`;
  if (!taken.has(base)) return base;
  for (let r = 2;; r++) if (!taken.has(`${base}_r${r}`)) return `${base}_r${r}`;
}

export const shardFile = (key: string, format: OutputFormat) => `audio_tokens_${key}.${format}`;
export const failedFile = (key: string) => `failed_indices_${key}.json`;
export const detailsFile = (key: string) => `failed_details_${key}.json`;
/** Rows whose long text was synthesized in several pieces (long_text: split), with their piece counts. */
export const splitFile = (key: string) => `split_indices_${key}.json`;

/** Every name this tool writes at the top of save_dir (so only their temp files are ever cleaned). */
export function isOwnOutputName(name: string): boolean {
  return SHARD_RE.test(name) || FAILED_RE.test(name) || DETAILS_RE.test(name) || SPLIT_RE.test(name) ||
    /^shard_\d{9}_\d{9}(?:_r\d+)?\.json$/.test(name) || name === "manifest.json" || name === "job.json" ||
    name === ".ichigo.lock" || name === ".write_probe";
}
