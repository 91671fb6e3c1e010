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
  read(options?: { only?: ReadonlySet<number>; signal?: AbortSignal }): AsyncIterable<SourceRow>;
}

/** A row as read: a usable text, or a problem that makes the row fail without being synthesized. */
export type SourceRow = TextItem & { problem?: string };
