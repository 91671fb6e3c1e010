// Combine Results: the output's rows in index order, each joined to the dataset text it was made from.
import { InputError } from "../errors.ts";
import type { TextSource } from "../source/text_source.ts";
import { textHash } from "../sink/row_hash.ts";
import type { Storage } from "../sink/storage.ts";
import { type MergeStats, mergeShards, peakOpenRows, scanShards, spilledShards } from "./shard_order.ts";
import { Buckets, type SpillFiles } from "./spill.ts";
import { inIndexOrder, spilledTexts, streamTexts } from "./text_join.ts";

export interface CombinedRow {
  index: number;
  text: string;
  tokens: ArrayLike<number>;
}

export interface CombineOptions {
  /** The token shards to combine: the ones the resume scan verified. */
  shards: string[];
  /** The text hash each row's tokens were made from (from its sidecar), to check the dataset still has it. */
  textHashOf?: (index: number) => string | undefined;
  /** Rows held in memory at once on either side when rows are not in index order (default 20,000). */
  windowRows?: number;
  /** Bucket files for the out-of-order case (one set per side). */
  openSpill: () => Promise<SpillFiles>;
  signal?: AbortSignal;
}

export interface CombinePlan {
  /** Sorted distinct indices of the rows the output holds. */
  done: Float64Array;
  /** How each side is put in index order. */
  tokensOrder: "merge" | "buckets";
  textsOrder: "stream" | "buckets";
  buckets: number;
  rows(): AsyncGenerator<CombinedRow>;
  stats: MergeStats;
}

export async function planCombine(storage: Storage, source: TextSource, options: CombineOptions): Promise<CombinePlan> {
  const windowRows = Math.max(1, options.windowRows ?? 20_000);
  const { shards, done } = await scanShards(storage, options.shards);
  const buckets = new Buckets(done, windowRows);
  const tokensOrder = peakOpenRows(shards) <= windowRows ? "merge" : "buckets";
  const textsOrder = done.length === 0 || await inIndexOrder(source, options.signal) ? "stream" : "buckets";
  const stats: MergeStats = { duplicates: 0 };
  async function* rows(): AsyncGenerator<CombinedRow> {
    const spills: SpillFiles[] = [];
    const spill = async () => {
      spills.push(await options.openSpill());
      return spills[spills.length - 1];
    };
    try {
      const tokenRows = tokensOrder === "merge"
        ? mergeShards(storage, shards, stats)
        : spilledShards(storage, shards, buckets, await spill(), stats);
      const texts = textsOrder === "stream"
        ? streamTexts(source, done, options.signal)
        : spilledTexts(source, done, buckets, await spill(), options.signal);
      for await (const row of tokenRows) {
        const t = await texts.next();
        if (t.done || t.value.index !== row.index) {
          throw new InputError(`${storage.label}: the shards changed while combining (index ${row.index}); run combine again`);
        }
        const recorded = options.textHashOf?.(row.index);
        if (recorded && recorded !== textHash(t.value.text)) {
          throw new InputError(`${source.label}: row with index ${row.index}: dataset changed since the output was written (the text differs from the one its tokens were made from)`);
        }
        yield { index: row.index, text: t.value.text, tokens: row.tokens };
      }
    } finally {
      for (const s of spills) await s.dispose();
    }
  }
  return { done, tokensOrder, textsOrder, buckets: buckets.count, rows, stats };
}
