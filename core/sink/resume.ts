// What the output already holds. Truth is the shard files, vouched for by their sidecars: a shard counts only
// when its bytes hash to the sha256 its sidecar recorded (tokens are not parsed then); a shard without a sidecar
// (output of an older version) is decoded and its tokens checked. A shard that fails is quarantined with a log
// line naming it and the reason, and its rows are redone. With `readOnly` nothing is moved, rewritten or removed:
// the problems are reported instead (`remaining`, and scans of a folder other processes write to).
import type { Logger } from "../log.ts";
import { DoneRows } from "./done_rows.ts";
import { encodeFailedIndices, decodeJsonIndices, decodeShard } from "./shard_format.ts";
import { DETAILS_RE, FAILED_RE, failedFile, SHARD_RE, SPLIT_RE } from "./shard_names.ts";
import { decodeSidecar, SIDECAR_RE, sidecarFile, tokenProblem } from "./sidecar.ts";
import { sha256Hex } from "../sha256.ts";
import { type FileDigest, fileDigests } from "./file_digests.ts";
import type { Storage } from "./storage.ts";
import { quarantine } from "./quarantine.ts";

export interface OutputState {
  /** Rows in verified shards, with the hash of the text each was made from. */
  done: DoneRows;
  /** Failed in earlier runs and not done since. */
  failed: Set<number>;
  /** Shard keys in use (never reused by a new shard). */
  keys: Set<string>;
  shards: string[];
  /** Files moved to quarantine/ (or, read-only, that would be), each with the reason. */
  quarantined: { file: string; reason: string }[];
  /** Everything found wrong, one line each (also logged). */
  problems: string[];
  duplicates: number[];
}


export interface ScanOptions {
  /** Report damage instead of repairing it; never write, move or remove. */
  readOnly?: boolean;
  /** Codebooks per frame, for checking shards that have no sidecar (default 2). */
  codebooks?: number;
}

export async function scanOutput(storage: Storage, logger: Logger, options: ScanOptions = {}): Promise<OutputState> {
  const readOnly = options.readOnly === true || !storage.remove;
  const state: OutputState = { done: new DoneRows(), failed: new Set(), keys: new Set(), shards: [], quarantined: [], problems: [], duplicates: [] };
  if (!storage.list) return state;
  const files = new Set((await storage.list("")).filter((p) => !p.includes("/")));
  const problem = (file: string, reason: string, action: string, would: string) => {
    const line = `${storage.label}/${file}: ${reason}; ${readOnly ? `left as it is (a run would ${would})` : action}`;
    state.problems.push(line);
    logger.warn(line);
  };
  const moveAway = async (file: string, reason: string, redo = true) => {
    problem(file, reason, `moved to quarantine/${redo ? "; its rows will be redone" : ""}`, `move it to quarantine/${redo ? " and redo its rows" : ""}`);
    state.quarantined.push({ file, reason });
    if (!readOnly) await quarantine(storage, file); // a failure here (quarantine/ is a symlink...) stops the run
  };
  const unreadable = (file: string, reason: string) =>
    problem(file, `cannot be read (${reason})`, "skipped; its rows will be redone", "skip it and redo its rows");
  const readOrNote = async (file: string): Promise<Uint8Array | undefined> => {
    try {
      return await storage.read(file);
    } catch (e) {
      unreadable(file, (e as Error).message);
      return undefined;
    }
  };

  // A shard with a sidecar is judged by its size and sha256 (its tokens are not read), hashed where the storage
  // does it best (the file system: in a worker, overlapping the sidecar decoding here); verdicts, moves and log
  // lines come one shard at a time, in file order.
  const shardFiles = [...files].sort().filter((f) => SHARD_RE.test(f));
  const keyOf = (file: string) => file.match(SHARD_RE)![1];
  const digests = fileDigests(storage, shardFiles.filter((f) => files.has(sidecarFile(keyOf(f)))))[Symbol.asyncIterator]();
  try {
    for (const file of shardFiles) {
      const key = keyOf(file);
      const sideName = sidecarFile(key);
      if (!files.has(sideName)) {
        await judgeUnvouched(file, key);
        continue;
      }
      // The sidecar first: it is decoded here while the shard is still being hashed.
      let side, sideError;
      try {
        side = decodeSidecar((await readOrNote(sideName)) ?? new Uint8Array());
      } catch (e) {
        sideError = e as Error;
      }
      const digest: FileDigest = (await digests.next()).value;
      if (digest.path !== file) throw new Error(`internal: digest of ${digest.path} where ${file} was expected`);
      if (digest.missing || digest.error) {
        if (digest.error) unreadable(file, digest.error);
        state.keys.add(key); // still there: a new shard must not take its name
        continue;
      }
      if (!side) {
        await moveAway(sideName, `damaged sidecar (${sideError?.message})`, false);
        await moveAway(file, `its sidecar ${sideName} is damaged, so it cannot be verified`);
        continue;
      }
      const reason = side.shard !== file
        ? `its sidecar describes ${side.shard}`
        : side.bytes !== digest.bytes
        ? `size ${digest.bytes} bytes, its sidecar recorded ${side.bytes} (damaged or edited)`
        : digest.sha256 !== side.sha256
        ? "checksum mismatch: its bytes changed since they were written (damaged or edited)"
        : undefined;
      if (reason) {
        await moveAway(file, reason);
        if (!readOnly) await quarantine(storage, sideName);
        continue;
      }
      side.rows.forEach((i, n) => state.done.add(i, side.text_hashes[n]));
      for (const i of side.failed) state.failed.add(i);
      state.keys.add(key);
      state.shards.push(file);
      await checkSideFiles(storage, key, side.files, side.failed, files, readOnly, problem, moveAway);
    }
  } finally {
    await digests.return?.();
  }

  /** A shard without a sidecar: output of a version before sidecars (or one deleted by hand). */
  async function judgeUnvouched(file: string, key: string) {
    const bytes = await readOrNote(file);
    if (!bytes) {
      state.keys.add(key);
      return;
    }
    // Decode it and check the tokens.
    let rows;
    try {
      rows = await decodeShard(file, bytes);
    } catch (e) {
      await moveAway(file, `does not decode (${(e as Error).message})`);
      return;
    }
    const bad = tokenProblem(rows, options.codebooks ?? 2);
    if (bad) {
      await moveAway(file, `tokens break the format (${bad})`);
      return;
    }
    for (const r of rows) state.done.add(r.index, undefined);
    state.keys.add(key);
    state.shards.push(file);
    if (files.has(failedFile(key))) {
      try {
        for (const i of decodeJsonIndices((await readOrNote(failedFile(key))) ?? new Uint8Array())) state.failed.add(i);
      } catch (e) {
        await moveAway(failedFile(key), `unreadable failed-index file (${(e as Error).message})`);
      }
    }
  }

  // Side files of a shard that never landed (a kill between them and the shard's rename): not part of the output.
  for (const file of files) {
    const m = file.match(FAILED_RE) ?? file.match(DETAILS_RE) ?? file.match(SPLIT_RE) ?? file.match(SIDECAR_RE);
    if (!m || state.keys.has(m[1]) || state.quarantined.some((q) => q.file === file)) continue;
    if (!readOnly && files.has(file)) await storage.remove!(file);
  }

  state.duplicates = state.done.freeze();
  for (const i of state.done) state.failed.delete(i);
  if (state.duplicates.length) {
    logger.warn(`${state.duplicates.length} index(es) appear in more than one shard, e.g. ${state.duplicates.slice(0, 5).join(", ")}`);
  }
  return state;
}

/** The side files a sidecar vouches for: a damaged failed-index file is rewritten from the sidecar (which holds
 * the same list); any other damaged side file is quarantined (it only explains rows, it does not count them). */
async function checkSideFiles(
  storage: Storage,
  key: string,
  recorded: Record<string, string>,
  failed: number[],
  files: Set<string>,
  readOnly: boolean,
  problem: (file: string, reason: string, action: string, would: string) => void,
  moveAway: (file: string, reason: string, redo?: boolean) => Promise<void>,
) {
  for (const [name, sha] of Object.entries(recorded)) {
    const bytes = files.has(name) ? await storage.read(name).catch(() => undefined) : undefined;
    const reason = !bytes ? "missing" : (await sha256Hex(bytes)) !== sha ? "checksum mismatch (damaged or edited)" : undefined;
    if (!reason) continue;
    if (name === failedFile(key)) {
      problem(name, reason, "rewritten from its shard's sidecar", "rewrite it from its shard's sidecar");
      if (!readOnly) await storage.write(name, encodeFailedIndices(failed.map((index) => ({ index, error: "", attempts: 0 }))));
    } else if (bytes) await moveAway(name, reason, false);
  }
}
