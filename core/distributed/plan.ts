// Range planning: the rows of the job (in source order) are cut into blocks of range_size consecutive rows. Blocks
// depend only on the rows and range_size, never on what is done yet, so a restarted coordinator plans the same
// ranges, with the same keys and message ids, and a range redelivered anywhere rewrites the same shard.
import { shardKey } from "../sink/shard_names.ts";
import type { SourceRow } from "../source/text_source.ts";
import type { RangeRow } from "./messages.ts";

export interface PlannedRange {
  /** Shard key: the block's first and last dataset index (`_rN` when the output already holds that name). */
  key: string;
  /** The block's rows still to do, in source order. */
  rows: RangeRow[];
}

export interface PlanOptions {
  rangeSize: number;
  /** Rows not to do: done, and failed unless retrying. */
  skip: { has(index: number): boolean };
  /** Shard keys in the output; a block whose name is taken (a retry of failed rows) gets the next `_rN`. */
  taken: Set<string>;
  /** Test mode: only the first n rows. */
  limit?: number;
}

export interface PlanStats {
  rows: number;
  blocks: number;
  /** Blocks with nothing left to do. */
  finishedBlocks: number;
}

/** Yields the ranges with rows to do; `stats` is complete once the iteration ends. */
export async function* planRanges(rows: AsyncIterable<SourceRow>, o: PlanOptions, stats: PlanStats = { rows: 0, blocks: 0, finishedBlocks: 0 }): AsyncGenerator<PlannedRange> {
  let block: SourceRow[] = [];
  const close = (): PlannedRange | undefined => {
    const all = block;
    block = [];
    stats.blocks++;
    const todo = all.filter((r) => !o.skip.has(r.index));
    if (todo.length === 0) {
      stats.finishedBlocks++;
      return undefined;
    }
    const key = shardKey(all[0].index, all[all.length - 1].index, o.taken);
    o.taken.add(key);
    return { key, rows: todo.map((r) => (r.problem ? { index: r.index, text: r.text, problem: r.problem } : { index: r.index, text: r.text })) };
  };
  for await (const row of rows) {
    if (o.limit !== undefined && stats.rows >= o.limit) break;
    stats.rows++;
    block.push(row);
    if (block.length === o.rangeSize) {
      const r = close();
      if (r) yield r;
    }
  }
  if (block.length > 0) {
    const r = close();
    if (r) yield r;
  }
}
