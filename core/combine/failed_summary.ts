// The seed's "Aggregate Failed Indices": every shard's failed rows in one sorted list, minus rows a later run
// finished (a retried row leaves its old failed file behind but is done now).
import { InputError } from "../errors.ts";
import { decodeJsonIndices } from "../sink/shard_format.ts";
import { DETAILS_RE, FAILED_RE, SHARD_RE } from "../sink/shard_names.ts";
import type { Storage } from "../sink/storage.ts";

export interface FailedRow {
  index: number;
  error: string;
  attempts: number;
}

/** Failed rows of the output (files whose shard landed), sorted by index; where several files name one row, the
 * last in file-name order gives its reason. */
export async function aggregateFailed(storage: Storage, isDone: (index: number) => boolean): Promise<FailedRow[]> {
  const files = (await storage.list?.("")) ?? [];
  const landed = new Set(files.map((f) => f.match(SHARD_RE)?.[1]).filter(Boolean));
  const byIndex = new Map<number, FailedRow>();
  const read = async (file: string) => {
    const bytes = await storage.read(file);
    if (!bytes) throw new InputError(`${storage.label}/${file}: vanished while combining`);
    return bytes;
  };
  for (const file of files) {
    const key = file.match(FAILED_RE)?.[1];
    if (!key || !landed.has(key)) continue;
    let indices: number[];
    try {
      indices = decodeJsonIndices(await read(file));
    } catch (e) {
      throw new InputError(`${storage.label}/${file}: damaged failed-index file (${(e as Error).message})`);
    }
    for (const index of indices) if (!byIndex.has(index)) byIndex.set(index, { index, error: "unknown (no details file)", attempts: 0 });
  }
  for (const file of files) {
    const key = file.match(DETAILS_RE)?.[1];
    if (!key || !landed.has(key)) continue;
    let details: unknown;
    try {
      details = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(await read(file)));
      if (!Array.isArray(details)) throw new Error("not a JSON list");
    } catch (e) {
      throw new InputError(`${storage.label}/${file}: damaged failed-details file (${(e as Error).message})`);
    }
    for (const d of details as Partial<FailedRow>[]) {
      if (!Number.isSafeInteger(d?.index)) continue;
      byIndex.set(d.index!, { index: d.index!, error: String(d.error ?? ""), attempts: Number(d.attempts ?? 0) });
    }
  }
  return [...byIndex.values()].filter((r) => !isDone(r.index)).sort((a, b) => a.index - b.index);
}
