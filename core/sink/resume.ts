// What the output already holds. Truth is the shard files themselves: every token shard is parsed; one that
// does not parse is moved to quarantine/ (never trusted); failed-index files count only with their shard.
import type { Logger } from "../log.ts";
import { decodeJsonIndices, decodeShard } from "./shard_format.ts";
import { DETAILS_RE, FAILED_RE, SHARD_RE } from "./shard_names.ts";
import type { Storage } from "./storage.ts";

export interface OutputState {
  done: Set<number>;
  /** Failed in earlier runs and not done since. */
  failed: Set<number>;
  /** Shard keys in use (never reused by a new shard). */
  keys: Set<string>;
  shards: string[];
  quarantined: string[];
  duplicates: number[];
}

export async function scanOutput(storage: Storage, logger: Logger): Promise<OutputState> {
  const state: OutputState = { done: new Set(), failed: new Set(), keys: new Set(), shards: [], quarantined: [], duplicates: [] };
  if (!storage.list) return state;
  const files = (await storage.list("")).filter((p) => !p.includes("/"));
  for (const file of files) {
    const m = file.match(SHARD_RE);
    if (!m) continue;
    const bytes = await storage.read(file);
    try {
      if (!bytes) throw new Error("vanished while reading");
      const rows = await decodeShard(file, bytes);
      for (const r of rows) {
        if (state.done.has(r.index)) state.duplicates.push(r.index);
        state.done.add(r.index);
      }
      state.keys.add(m[1]);
      state.shards.push(file);
    } catch (e) {
      await quarantine(storage, file, bytes);
      state.quarantined.push(file);
      logger.warn(`${storage.label}/${file}: unreadable shard moved to quarantine/ (${(e as Error).message}); its rows will be redone`);
    }
  }
  for (const file of files) {
    const m = file.match(FAILED_RE) ?? file.match(DETAILS_RE);
    if (!m) continue;
    if (!state.keys.has(m[1])) {
      // Written just before a shard that never landed (killed mid-commit): not part of the output.
      await storage.remove?.(file);
      continue;
    }
    if (!FAILED_RE.test(file)) continue;
    try {
      for (const i of decodeJsonIndices((await storage.read(file))!)) state.failed.add(i);
    } catch (e) {
      logger.warn(`${storage.label}/${file}: unreadable failed-index file ignored (${(e as Error).message})`);
    }
  }
  for (const i of state.done) state.failed.delete(i);
  if (state.duplicates.length) {
    logger.warn(`${state.duplicates.length} index(es) appear in more than one shard, e.g. ${state.duplicates.slice(0, 5).join(", ")}`);
  }
  return state;
}

async function quarantine(storage: Storage, file: string, bytes: Uint8Array | undefined) {
  if (bytes) await storage.write(`quarantine/${file}`, bytes);
  await storage.remove?.(file);
}
