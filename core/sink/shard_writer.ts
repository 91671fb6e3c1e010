// Groups finished rows into shards of save_batch_size consecutive rows (in source order) and writes each shard
// once all its rows are done or failed. Commit order per shard: failed and split files, then the sidecar with
// their checksums and the shard's, the token shard last; the token shard is the commit marker, so a kill between
// the writes leaves nothing that resume would trust.
import type { OutputFormat } from "../config/types.ts";
import type { Logger } from "../log.ts";
import type { FinalOutcome } from "../schedule/schedule_types.ts";
import { encodeFailedDetails, encodeFailedIndices, encodeShard, encodeSplitIndices } from "./shard_format.ts";
import { detailsFile, failedFile, shardFile, shardKey, splitFile } from "./shard_names.ts";
import { type DoneRow, encodeSidecar, type FailedRow, makeSidecar, sidecarFile } from "./sidecar.ts";
import type { Storage } from "./storage.ts";

interface Chunk {
  indices: number[];
  hashes: Map<number, string>;
  closed: boolean;
  writing: boolean;
  done: Map<number, DoneRow>;
  failed: Map<number, FailedRow>;
}

export class ShardWriter {
  #chunks: Chunk[] = [];
  #byIndex = new Map<number, Chunk>();
  #open: Chunk | undefined;
  readonly written: string[] = [];

  constructor(
    private storage: Storage,
    private format: OutputFormat,
    private saveBatchSize: number,
    /** Shard keys already present in the output (resume): never reused. */
    private taken: Set<string>,
    private logger: Logger,
    /** Codebooks per frame (recorded in the sidecar). */
    private codebooks = 2,
  ) {}

  /** Registers the next row in source order (call before the row is scheduled), with its text hash. */
  plan(index: number, textHash: string) {
    if (!this.#open) {
      this.#open = { indices: [], hashes: new Map(), closed: false, writing: false, done: new Map(), failed: new Map() };
      this.#chunks.push(this.#open);
    }
    this.#open.indices.push(index);
    this.#open.hashes.set(index, textHash);
    this.#byIndex.set(index, this.#open);
    if (this.#open.indices.length >= this.saveBatchSize) this.#close();
  }

  /** No more rows: the last chunk is as big as it gets. */
  endOfInput() {
    this.#close();
  }

  /** Writes every complete chunk still held (the last one completes when the input ends). */
  async finish() {
    for (const chunk of [...this.#chunks]) await this.#writeIfComplete(chunk);
  }

  async record(outcome: FinalOutcome) {
    const chunk = this.#byIndex.get(outcome.item.index);
    if (!chunk) throw new Error(`internal: outcome for unplanned row ${outcome.item.index}`);
    this.#byIndex.delete(outcome.item.index);
    const textHash = chunk.hashes.get(outcome.item.index)!;
    // The outcome's item is ours from here: extended in place (a copy per row cost more than the rest of record).
    if (outcome.kind === "done") chunk.done.set(outcome.item.index, Object.assign(outcome.item, { attempt: outcome.attempt, textHash }));
    else chunk.failed.set(outcome.item.index, Object.assign(outcome.item, { textHash }));
    await this.#writeIfComplete(chunk);
  }

  /** On a stop: writes what finished in incomplete chunks, so no finished row is lost. */
  async flushPartial() {
    for (const chunk of [...this.#chunks]) {
      if (chunk.done.size + chunk.failed.size === 0) continue;
      const finished = chunk.indices.filter((i) => chunk.done.has(i) || chunk.failed.has(i));
      await this.#write(finished, chunk);
      chunk.done.clear();
      chunk.failed.clear();
    }
  }

  /** Rows planned but not yet finished (for messages on a stop). */
  get unfinished(): number {
    return this.#byIndex.size;
  }

  #close() {
    if (this.#open) this.#open.closed = true;
    this.#open = undefined;
  }

  async #writeIfComplete(chunk: Chunk) {
    if (chunk.writing || !chunk.closed || chunk.done.size + chunk.failed.size < chunk.indices.length) return;
    chunk.writing = true;
    this.#chunks.splice(this.#chunks.indexOf(chunk), 1);
    await this.#write(chunk.indices, chunk);
  }

  async #write(indices: number[], chunk: Chunk) {
    const key = shardKey(indices[0], indices[indices.length - 1], this.taken);
    this.taken.add(key);
    const done = indices.filter((i) => chunk.done.has(i)).map((i) => chunk.done.get(i)!);
    const failed = indices.filter((i) => chunk.failed.has(i)).map((i) => chunk.failed.get(i)!);
    const name = await commitShard(this.storage, this.format, key, done, failed, this.codebooks);
    this.written.push(name);
    this.logger.debug(`wrote ${name}: ${done.length} rows, ${failed.length} failed`);
  }
}

/** Writes one shard under `key` in commit order (side files, the sidecar, then the token shard as the commit
 * marker). Shared with the distributed worker, which names shards by range. Returns the token shard's name. */
export async function commitShard(
  storage: Storage,
  format: OutputFormat,
  key: string,
  done: DoneRow[],
  failed: FailedRow[],
  codebooks: number,
): Promise<string> {
  const side: Record<string, Uint8Array> = {};
  if (failed.length > 0) {
    side[detailsFile(key)] = encodeFailedDetails(failed);
    side[failedFile(key)] = encodeFailedIndices(failed);
  }
  const split = done.filter((d) => d.pieces > 1);
  if (split.length > 0) side[splitFile(key)] = encodeSplitIndices(split);
  for (const [file, bytes] of Object.entries(side)) await storage.write(file, bytes);
  const name = shardFile(key, format);
  const bytes = encodeShard(format, done);
  await storage.write(sidecarFile(key), encodeSidecar(await makeSidecar(name, bytes, codebooks, done, failed, side)));
  await storage.write(name, bytes);
  return name;
}
