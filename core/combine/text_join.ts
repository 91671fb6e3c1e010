// The dataset's text for each done index, in index order, with bounded memory. A dataset already in index
// order (the usual case: the index is the row number, or an increasing column) is joined in one streaming
// pass. Any other order goes through bucket files: one pass scatters the done rows' texts by index range,
// then each bucket is read back on its own.
import { InputError } from "../errors.ts";
import type { TextSource } from "../source/text_source.ts";
import type { TextItem } from "../types.ts";
import { sortedHas } from "./sorted_indices.ts";
import type { Buckets, SpillFiles } from "./spill.ts";

function changed(source: TextSource, index: number, why: string): InputError {
  return new InputError(`${source.label}: row with index ${index} ${why}; the dataset changed since the output was written`);
}

/** Whether the dataset's rows come in increasing index order (one read pass, stopping at the first descent). */
export async function inIndexOrder(source: TextSource, signal?: AbortSignal): Promise<boolean> {
  let last = -Infinity;
  for await (const row of source.read({ signal })) {
    if (row.index < last) return false;
    last = row.index;
  }
  return true;
}

/** `{index, text}` for exactly the indices in `done` (sorted, distinct), in that order, from a dataset in index order. */
export async function* streamTexts(source: TextSource, done: Float64Array, signal?: AbortSignal): AsyncGenerator<TextItem> {
  let k = 0;
  for await (const row of source.read({ signal })) {
    if (k === done.length) return;
    if (row.index < done[k]) continue;
    if (row.index > done[k]) throw changed(source, done[k], "is in the output but no longer in the dataset");
    if (row.problem) throw changed(source, row.index, `has no usable text now (${row.problem})`);
    yield { index: row.index, text: row.text };
    k++;
  }
  if (k < done.length) throw changed(source, done[k], "is in the output but no longer in the dataset");
}

/** The same from a dataset in any order, through bucket files. */
export async function* spilledTexts(
  source: TextSource,
  done: Float64Array,
  buckets: Buckets,
  spill: SpillFiles,
  signal?: AbortSignal,
): AsyncGenerator<TextItem> {
  for await (const row of source.read({ signal })) {
    if (!sortedHas(done, row.index)) continue;
    if (row.problem) throw changed(source, row.index, `has no usable text now (${row.problem})`);
    await spill.append(buckets.of(row.index), JSON.stringify([row.index, row.text]));
  }
  for (let k = 0; k < buckets.count; k++) {
    const texts = new Map<number, string>();
    for await (const line of spill.lines(k)) {
      const [index, text] = JSON.parse(line) as [number, string];
      texts.set(index, text);
    }
    for (const index of buckets.indices(k)) {
      const text = texts.get(index);
      if (text === undefined) throw changed(source, index, "is in the output but no longer in the dataset");
      yield { index, text };
    }
  }
}
