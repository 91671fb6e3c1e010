// shard_<key>.json: the facts of one shard, written just before the shard itself (whose rename is the commit).
// Resume learns each shard's done and failed rows, text hashes and checksums from it without parsing tokens, and
// trusts the shard only when its bytes hash to the recorded sha256. Named so `audio_tokens_*.csv` never matches.
import type { EncodedItem, FailedItem } from "../types.ts";
import { sha256Hex } from "../sha256.ts";

export const SIDECAR_RE = /^shard_(\d{9}_\d{9}(?:_r\d+)?)\.json$/;
export const sidecarFile = (key: string) => `shard_${key}.json`;

export interface Sidecar {
  tool: "ichigo-tts-tokens";
  version: 1;
  /** The token shard it describes, its size and sha256. */
  shard: string;
  bytes: number;
  sha256: string;
  /** Codebooks per frame (tokens per row is a multiple of it), and the range of the token values. */
  codebooks: number;
  token_min: number | null;
  token_max: number | null;
  /** Rows in the shard, in its order, with each row's text hash and the 1-based try that produced it. */
  rows: number[];
  text_hashes: string[];
  attempts: number[];
  /** Failed rows recorded with this shard (failed_indices_<key>.json holds the same list). */
  failed: number[];
  failed_text_hashes: string[];
  /** sha256 of each side file written with the shard (failed indices, failed details, split indices). */
  files: Record<string, string>;
}

/** A done row as the sidecar needs it: its tokens plus where they came from. */
export interface DoneRow extends EncodedItem {
  textHash: string;
  attempt: number;
}

export interface FailedRow extends FailedItem {
  /** Empty when unknown (a range that died on the coordinator, which holds no texts). */
  textHash: string;
}


export async function makeSidecar(
  shard: string,
  shardBytes: Uint8Array,
  codebooks: number,
  done: DoneRow[],
  failed: FailedRow[],
  files: Record<string, Uint8Array>,
): Promise<Sidecar> {
  let min = Infinity;
  let max = -Infinity;
  for (const d of done) {
    const t = d.tokens;
    for (let i = 0; i < t.length; i++) {
      if (t[i] < min) min = t[i];
      if (t[i] > max) max = t[i];
    }
  }
  const hashes: Record<string, string> = {};
  for (const [name, bytes] of Object.entries(files)) hashes[name] = await sha256Hex(bytes);
  return {
    tool: "ichigo-tts-tokens",
    version: 1,
    shard,
    bytes: shardBytes.length,
    sha256: await sha256Hex(shardBytes),
    codebooks,
    token_min: Number.isFinite(min) ? min : null,
    token_max: Number.isFinite(max) ? max : null,
    rows: done.map((d) => d.index),
    text_hashes: done.map((d) => d.textHash),
    attempts: done.map((d) => d.attempt),
    failed: failed.map((f) => f.index),
    failed_text_hashes: failed.map((f) => f.textHash),
    files: hashes,
  };
}

export const encodeSidecar = (s: Sidecar) => new TextEncoder().encode(JSON.stringify(s) + "\n");

/** Parses and checks a sidecar; throws an Error naming what is wrong. */
export function decodeSidecar(bytes: Uint8Array): Sidecar {
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (e) {
    throw new Error(`not JSON (${(e as Error).message})`);
  }
  const ints = (x: unknown) => Array.isArray(x) && x.every((i) => Number.isSafeInteger(i) && i >= 0);
  const hashes = (x: unknown, n: number, maybeEmpty = false) =>
    Array.isArray(x) && x.length === n && x.every((h) => typeof h === "string" && (/^[0-9a-f]{16}$/.test(h) || (maybeEmpty && h === "")));
  const ok = v && typeof v === "object" && v.tool === "ichigo-tts-tokens" && v.version === 1 &&
    typeof v.shard === "string" && typeof v.sha256 === "string" && /^[0-9a-f]{64}$/.test(v.sha256) &&
    Number.isSafeInteger(v.bytes) && Number.isSafeInteger(v.codebooks) && (v.codebooks as number) > 0 &&
    ints(v.rows) && hashes(v.text_hashes, (v.rows as number[]).length) &&
    ints(v.attempts) && (v.attempts as number[]).length === (v.rows as number[]).length &&
    ints(v.failed) && hashes(v.failed_text_hashes, (v.failed as number[]).length, true) &&
    v.files !== null && typeof v.files === "object" && !Array.isArray(v.files) &&
    Object.values(v.files as object).every((h) => typeof h === "string" && /^[0-9a-f]{64}$/.test(h)) &&
    (v.token_min === null || (Number.isSafeInteger(v.token_min) && (v.token_min as number) >= 0)) &&
    (v.token_max === null || (Number.isSafeInteger(v.token_max) && (v.token_max as number) <= 1023));
  if (!ok) throw new Error("not a shard sidecar of this tool (unexpected shape)");
  return v as unknown as Sidecar;
}

/** Why a decoded shard's tokens break the format (values outside 0..1023, a length not a multiple of the
 * codebooks), or undefined when they are fine. */
export function tokenProblem(rows: { index: number; tokens: ArrayLike<number> }[], codebooks: number): string | undefined {
  for (const r of rows) {
    if (r.tokens.length % codebooks !== 0) return `row ${r.index} has ${r.tokens.length} tokens, not a multiple of ${codebooks} codebooks`;
    for (let i = 0; i < r.tokens.length; i++) {
      const t = r.tokens[i];
      if (!Number.isInteger(t) || t < 0 || t > 1023) return `row ${r.index} has token ${t}, outside 0..1023`;
    }
  }
  return undefined;
}

/** EnCodec 24 kHz: 0.75 kbps per codebook (1.5 -> 2, 3 -> 4, ... 24 -> 32). */
export const codebooksOf = (bandwidth: number) => Math.max(1, Math.round(bandwidth / 0.75));
