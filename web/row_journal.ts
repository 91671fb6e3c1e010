// Every finished row is also written at once, one small file per row, outside the output folder. The sink writes a
// shard only when save_batch_size rows are finished (or on Stop); a tab that is closed, reloaded or crashes before
// that would lose those rows. The next open of the output commits them as a shard of their own (`settle`).
import type { OutputFormat } from "../core/config/types.ts";
import { scanOutput } from "../core/sink/resume.ts";
import { commitShard } from "../core/sink/shard_writer.ts";
import { shardKey } from "../core/sink/shard_names.ts";
import type { Logger } from "../core/log.ts";
import type { FinalOutcome } from "../core/schedule/schedule_types.ts";
import { textHash } from "../core/sink/row_hash.ts";
import type { DoneRow, FailedRow } from "../core/sink/sidecar.ts";
import { OpfsStorage } from "./opfs_storage.ts";

// The text hash and try go with each row, as its shard's sidecar records them (core/sink/sidecar.ts).
type Entry =
  | { index: number; tokens: number[]; seconds: number; pieces: number; textHash: string; attempt: number }
  | { index: number; error: string; attempts: number; textHash: string };

export class RowJournal {
  readonly files: OpfsStorage;
  #writes: Promise<void> = Promise.resolve();
  constructor(outputId: string) {
    this.files = new OpfsStorage(`pending/${outputId}`);
  }

  /** Writes the row's file (in order with earlier rows); resolves once it is stored. A failed write is not
   * fatal: the row's shard still lands as usual, only a close before that would lose it. */
  add(outcome: FinalOutcome, text: string): Promise<void> {
    const hash = textHash(text);
    const entry: Entry = outcome.kind === "done"
      ? { index: outcome.item.index, tokens: Array.from(outcome.item.tokens), seconds: outcome.item.seconds, pieces: outcome.item.pieces, textHash: hash, attempt: outcome.attempt }
      : { index: outcome.item.index, error: outcome.item.error, attempts: outcome.item.attempts, textHash: hash };
    const data = new TextEncoder().encode(JSON.stringify(entry));
    this.#writes = this.#writes.then(() => this.files.write(`${entry.index}.json`, data)).catch(() => {});
    return this.#writes;
  }

  flushed(): Promise<void> {
    return this.#writes;
  }

  /** Commits journaled rows that no shard of `output` holds yet as one shard, then empties the journal.
   * Returns how many rows were recovered. Call only while no run writes to `output`. */
  async settle(output: OpfsStorage, format: OutputFormat, codebooks: number, logger: Logger): Promise<number> {
    await this.flushed();
    const names = await this.files.list();
    if (names.length === 0) return 0;
    const state = await scanOutput(output, logger);
    const done: DoneRow[] = [];
    const failed: FailedRow[] = [];
    for (const name of names) {
      let e: Entry;
      try {
        e = JSON.parse(new TextDecoder().decode(await this.files.read(name)));
      } catch {
        continue; // unreadable: the row is simply done again
      }
      if (!Number.isSafeInteger(e?.index) || state.done.has(e.index)) continue;
      const hash = typeof e.textHash === "string" ? e.textHash : "";
      if ("tokens" in e && Array.isArray(e.tokens)) {
        done.push({ index: e.index, tokens: Int32Array.from(e.tokens), seconds: e.seconds, pieces: e.pieces, textHash: hash, attempt: Number(e.attempt) || 1 });
      } else if ("error" in e && !state.failed.has(e.index)) failed.push({ index: e.index, error: String(e.error), attempts: e.attempts, textHash: hash });
    }
    const indices = [...done, ...failed].map((r) => r.index).sort((a, b) => a - b);
    if (indices.length > 0) {
      const key = shardKey(indices[0], indices[indices.length - 1], state.keys);
      await commitShard(output, format, key, done.sort((a, b) => a.index - b.index), failed.sort((a, b) => a.index - b.index), codebooks);
    }
    for (const name of names) await this.files.remove(name);
    return indices.length;
  }
}
