// Where texts come from. Implementations: parquet, CSV, JSONL, plain text, Hugging Face dataset.
import type { TextItem } from "../types.ts";

/**
 * An ordered, re-readable dataset of texts. Order is stable, so resume and shard ranges stay valid across runs.
 * Rows whose text is missing, empty or not a string are still yielded, with `text` set to the problem
 * (see `RowProblem`), so the pipeline can record them as failed with a message naming the row.
 */
export interface TextSource {
  /** A name for messages: file path or `hf:name/split`. */
  readonly label: string;
  /** Row count when known without reading everything. */
  count(): Promise<number | undefined>;
  /** Yields rows in order. `only` restricts to these dataset indices (remaining_indices_file, resume). */
  read(options?: ReadOptions): AsyncIterable<SourceRow>;
  /** True while the source still owes its checking pass over the whole file (made by count(), or before the
   * first read). Sources without such a pass leave it out. */
  unchecked?(): boolean;
}

export interface ReadOptions {
  /** Only these dataset indices (remaining_indices_file, resume). */
  only?: ReadonlySet<number>;
  signal?: AbortSignal;
  /**
   * Make a checking pass that is still owed during this read instead of before it, so the file is read once:
   * rows come before the file is known to be well-formed, and a malformed file's error (the one a checked read
   * gives) comes by the end of the read at the latest. Only for a consumer that reads to the end and acts on
   * the rows after it (resume's text check); a read that stops early leaves the check owed.
   */
  checkDuringRead?: boolean;
}

/** A row as read: a usable text, or a problem that makes the row fail without being synthesized. */
export type SourceRow = TextItem & { problem?: string };
