// A range's shard on the shared output. The worker writes it before it acks, so a range whose shard is already
// there and complete (an ack lost, a redelivery after a slow heartbeat) is acked without doing it again.
import type { OutputFormat } from "../config/types.ts";
import { textHash } from "../sink/row_hash.ts";
import { detailsFile, failedFile, shardFile, splitFile } from "../sink/shard_names.ts";
import { commitShard } from "../sink/shard_writer.ts";
import { decodeSidecar, type DoneRow, type FailedRow, sidecarFile } from "../sink/sidecar.ts";
import { sha256Hex } from "../sha256.ts";
import type { Storage } from "../sink/storage.ts";
import type { RangeWork } from "./messages.ts";

/** Rows written and failed in the range's shard, when the shard exists, matches its sidecar's checksum and
 * accounts for every row of `work` (with the same texts, for rows whose text `work` carries). */
export async function writtenRange(storage: Storage, format: OutputFormat, work: RangeWork): Promise<{ rows: number; failed: number } | undefined> {
  try {
    const name = shardFile(work.key, format);
    const [bytes, sideBytes] = [await storage.read(name), await storage.read(sidecarFile(work.key))];
    if (!bytes || !sideBytes) return undefined;
    const side = decodeSidecar(sideBytes);
    if (side.shard !== name || side.bytes !== bytes.length || side.sha256 !== await sha256Hex(bytes)) return undefined;
    const hashes = new Map(side.rows.map((i, n) => [i, side.text_hashes[n]]));
    const failed = new Set(side.failed);
    const ok = work.rows.every((r) =>
      failed.has(r.index) || (hashes.has(r.index) && (r.text === "" || r.problem !== undefined || hashes.get(r.index) === textHash(r.text)))
    );
    return ok ? { rows: side.rows.length, failed: side.failed.length } : undefined;
  } catch {
    return undefined; // unreadable: do the range again and replace it
  }
}

/** Writes the range's shard. Side files of an earlier, unfinished try of the same range are removed first, so
 * the shard never lands next to a failed-index file that no longer applies. */
export async function commitRange(
  storage: Storage,
  format: OutputFormat,
  key: string,
  done: DoneRow[],
  failed: FailedRow[],
  codebooks: number,
): Promise<string> {
  if (storage.remove) {
    if (failed.length === 0) {
      await storage.remove(failedFile(key));
      await storage.remove(detailsFile(key));
    }
    if (!done.some((d) => d.pieces > 1)) await storage.remove(splitFile(key));
  }
  return await commitShard(storage, format, key, done, failed, codebooks);
}

/** A dead range: every row recorded as failed with the reason (an empty shard marks the record complete). */
export async function commitDeadRange(storage: Storage, format: OutputFormat, key: string, indices: number[], error: string, attempts: number) {
  return await commitRange(storage, format, key, [], indices.map((index) => ({ index, error, attempts, textHash: "" })), 2);
}

/** The output as a scan may see it while workers write to it: reading only, so the scan's clean-up (orphan
 * failed-index files, quarantine) never races a worker between its side files and its shard. */
export function readOnlyView(storage: Storage): Storage {
  return { label: storage.label, read: (p) => storage.read(p), list: storage.list && ((p) => storage.list!(p)), write: () => Promise.resolve() };
}
