// The seed's "Aggregate Failed Indices": every shard's failed rows in one sorted list, minus rows a later run
// finished (a retried row leaves its old failed file behind but is done now), with their reasons.
import { InputError } from "../errors.ts";
import { DETAILS_RE } from "../sink/shard_names.ts";
import type { Storage } from "../sink/storage.ts";

export interface FailedRow {
  index: number;
  error: string;
  attempts: number;
}

/** The failed rows (`failed`: failed and not done since, from the resume scan), sorted, with the reason and
 * tries from the details files of the verified shards (`keys`); where several name one row, the last in
 * file-name order gives its reason. */
export async function aggregateFailed(storage: Storage, failed: ReadonlySet<number>, keys: ReadonlySet<string>): Promise<FailedRow[]> {
  const byIndex = new Map<number, FailedRow>();
  for (const file of (await storage.list?.("")) ?? []) {
    const key = file.match(DETAILS_RE)?.[1];
    if (!key || !keys.has(key)) continue;
    let details: unknown;
    try {
      const bytes = await storage.read(file);
      if (!bytes) throw new Error("vanished while combining");
      details = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
      if (!Array.isArray(details)) throw new Error("not a JSON list");
    } catch (e) {
      throw new InputError(`${storage.label}/${file}: damaged failed-details file (${(e as Error).message}); run the job again to repair it`);
    }
    for (const d of details as Partial<FailedRow>[]) {
      if (Number.isSafeInteger(d?.index) && failed.has(d.index!)) {
        byIndex.set(d.index!, { index: d.index!, error: String(d.error ?? ""), attempts: Number(d.attempts ?? 0) });
      }
    }
  }
  return [...failed].sort((a, b) => a - b).map((index) => byIndex.get(index) ?? { index, error: "unknown (no details recorded)", attempts: 0 });
}
