// A range's shard on the shared output. The worker writes it before it acks, so a range whose shard is already
// there and complete (an ack lost, a redelivery after a slow heartbeat) is acked without doing it again.
import type { OutputFormat } from "../config/types.ts";
import { decodeJsonIndices, decodeShard } from "../sink/shard_format.ts";
import { detailsFile, failedFile, shardFile, splitFile } from "../sink/shard_names.ts";
import { commitShard } from "../sink/shard_writer.ts";
import type { Storage } from "../sink/storage.ts";
import type { EncodedItem, FailedItem } from "../types.ts";
import type { RangeWork } from "./messages.ts";

/** Rows written and failed in the range's shard, when the shard exists and accounts for every row of `work`. */
export async function writtenRange(storage: Storage, format: OutputFormat, work: RangeWork): Promise<{ rows: number; failed: number } | undefined> {
  try {
    const bytes = await storage.read(shardFile(work.key, format));
    if (!bytes) return undefined;
    const done = new Set((await decodeShard(shardFile(work.key, format), bytes)).map((r) => r.index));
    const failedBytes = await storage.read(failedFile(work.key));
    const failed = new Set(failedBytes ? decodeJsonIndices(failedBytes) : []);
    if (!work.rows.every((r) => done.has(r.index) || failed.has(r.index))) return undefined;
    return { rows: done.size, failed: failed.size };
  } catch {
    return undefined; // unreadable: do the range again and replace it
  }
}

/** Writes the range's shard. Side files of an earlier, unfinished try of the same range are removed first, so
 * the shard never lands next to a failed-index file that no longer applies. */
export async function commitRange(storage: Storage, format: OutputFormat, key: string, done: EncodedItem[], failed: FailedItem[]): Promise<string> {
  if (storage.remove) {
    if (failed.length === 0) {
      await storage.remove(failedFile(key));
      await storage.remove(detailsFile(key));
    }
    if (!done.some((d) => d.pieces > 1)) await storage.remove(splitFile(key));
  }
  return await commitShard(storage, format, key, done, failed);
}

/** A dead range: every row recorded as failed with the reason (an empty shard marks the record complete). */
export async function commitDeadRange(storage: Storage, format: OutputFormat, key: string, indices: number[], error: string, attempts: number) {
  return await commitRange(storage, format, key, [], indices.map((index) => ({ index, error, attempts })));
}

/** The output as a scan may see it while workers write to it: reading only, so the scan's clean-up (orphan
 * failed-index files, quarantine) never races a worker between its side files and its shard. */
export function readOnlyView(storage: Storage): Storage {
  return { label: storage.label, read: (p) => storage.read(p), list: storage.list && ((p) => storage.list!(p)), write: () => Promise.resolve() };
}
