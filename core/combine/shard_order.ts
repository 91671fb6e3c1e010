// The output's token rows in dataset-index order, whatever order runs wrote them in. A shard's name gives the
// first and last index of its rows in dataset order, which bounds nothing when the index column is shuffled,
// so one pass first reads each shard's smallest and largest index (from its sidecar). When few shards overlap (the usual case:
// the index is the row number) a k-way merge opens each shard only when the merge reaches it; otherwise rows
// are scattered into index-range buckets on disk (spill.ts) and each bucket is sorted on its own.
import { InputError } from "../errors.ts";
import { decodeShard, type ShardRow } from "../sink/shard_format.ts";
import { SHARD_RE } from "../sink/shard_names.ts";
import { decodeSidecar, sidecarFile } from "../sink/sidecar.ts";
import type { Storage } from "../sink/storage.ts";
import { IndexListBuilder } from "./sorted_indices.ts";
import type { Buckets, SpillFiles } from "./spill.ts";

export interface ShardRef {
  file: string;
  /** Smallest and largest index among its rows, and how many rows it holds. */
  first: number;
  last: number;
  rows: number;
}

export interface MergeStats {
  /** Indices found in more than one shard (kept once). */
  duplicates: number;
}

/** The given token shards (verified by the resume scan) ordered by smallest index, and the sorted distinct
 * indices of their rows. A shard's sidecar lists its rows, so only shards without one are decoded here. */
export async function scanShards(storage: Storage, files: string[]): Promise<{ shards: ShardRef[]; done: Float64Array }> {
  const shards: ShardRef[] = [];
  const all = new IndexListBuilder();
  for (const file of files) {
    const indices = await rowIndices(storage, file);
    if (!indices.length) continue;
    let [first, last] = [Infinity, -Infinity];
    for (const i of indices) {
      first = Math.min(first, i);
      last = Math.max(last, i);
      all.push(i);
    }
    shards.push({ file, first, last, rows: indices.length });
  }
  shards.sort((a, b) => a.first - b.first || (a.file < b.file ? -1 : 1));
  return { shards, done: distinct(all.finish().sort()) };
}

async function rowIndices(storage: Storage, file: string): Promise<number[]> {
  const key = file.match(SHARD_RE)?.[1];
  const side = key ? await storage.read(sidecarFile(key)) : undefined;
  if (side) {
    try {
      return decodeSidecar(side).rows;
    } catch { /* the shard's own rows below */ }
  }
  return (await readShard(storage, file)).map((r) => r.index);
}

function distinct(sorted: Float64Array): Float64Array {
  let n = 0;
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[n - 1]) sorted[n++] = sorted[i];
  return sorted.slice(0, n);
}

async function readShard(storage: Storage, file: string): Promise<ShardRow[]> {
  const bytes = await storage.read(file);
  if (!bytes) throw new InputError(`${storage.label}/${file}: vanished while combining`);
  let rows: ShardRow[];
  try {
    rows = await decodeShard(file, bytes);
  } catch (e) {
    throw new InputError(`${storage.label}/${file}: damaged shard (${(e as Error).message}); run the job again to redo its rows`);
  }
  return rows.sort((a, b) => a.index - b.index);
}

/** The most rows a k-way merge holds at once: the largest sum of row counts of shards whose ranges overlap. */
export function peakOpenRows(shards: ShardRef[]): number {
  const events: [number, number][] = [];
  for (const s of shards) events.push([s.first, s.rows], [s.last, -s.rows]);
  events.sort((a, b) => a[0] - b[0] || b[1] - a[1]); // opens before closes at one index: both are held
  let open = 0;
  let peak = 0;
  for (const [, delta] of events) peak = Math.max(peak, (open += delta));
  return peak;
}

/** Every row of every shard in strictly increasing index order, holding only the shards that overlap. */
export async function* mergeShards(storage: Storage, shards: ShardRef[], stats: MergeStats): AsyncGenerator<ShardRow> {
  const open: { rows: ShardRow[]; at: number }[] = [];
  let next = 0;
  let last = -1;
  for (;;) {
    let min = Infinity;
    for (const c of open) min = Math.min(min, c.rows[c.at].index);
    while (next < shards.length && shards[next].first <= min) {
      const ref = shards[next++];
      const rows = await readShard(storage, ref.file);
      if (rows[0]?.index !== ref.first) throw new InputError(`${storage.label}/${ref.file}: changed while combining; run combine again`);
      open.push({ rows, at: 0 });
      min = Math.min(min, ref.first);
    }
    if (!open.length) return;
    let best = 0;
    for (let k = 1; k < open.length; k++) if (open[k].rows[open[k].at].index < open[best].rows[open[best].at].index) best = k;
    const cursor = open[best];
    const row = cursor.rows[cursor.at++];
    if (cursor.at === cursor.rows.length) open.splice(best, 1);
    if (row.index === last) {
      stats.duplicates++;
      continue;
    }
    last = row.index;
    yield row;
  }
}

/** The same rows through bucket files: one pass scatters, then each bucket is read, sorted and yielded. */
export async function* spilledShards(
  storage: Storage,
  shards: ShardRef[],
  buckets: Buckets,
  spill: SpillFiles,
  stats: MergeStats,
): AsyncGenerator<ShardRow> {
  for (const ref of shards) {
    for (const r of await readShard(storage, ref.file)) {
      await spill.append(buckets.of(r.index), `${r.index} ${Array.prototype.join.call(r.tokens, ",")}`);
    }
  }
  for (let k = 0; k < buckets.count; k++) {
    const rows: ShardRow[] = [];
    for await (const line of spill.lines(k)) {
      const [index, tokens] = line.split(" ");
      rows.push({ index: Number(index), tokens: tokens ? Int32Array.from(tokens.split(","), Number) : new Int32Array(0) });
    }
    rows.sort((a, b) => a.index - b.index);
    let last = -1;
    for (const row of rows) {
      if (row.index === last) {
        stats.duplicates++;
        continue;
      }
      last = row.index;
      yield row;
    }
  }
}
