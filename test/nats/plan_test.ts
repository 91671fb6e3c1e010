// Range planning: fixed blocks of range_size rows, keyed by their first and last index, the same on every run.
import assert from "node:assert/strict";
import { planRanges, type PlanOptions, type PlanStats } from "../../core/distributed/plan.ts";
import type { SourceRow } from "../../core/source/text_source.ts";

async function* rows(indices: number[], problem?: number): AsyncIterable<SourceRow> {
  for (const i of indices) yield i === problem ? { index: i, text: "", problem: `row ${i}: text is empty` } : { index: i, text: `t${i}` };
}
const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);

async function plan(indices: number[], o: Partial<PlanOptions> = {}, problem?: number) {
  const stats: PlanStats = { rows: 0, blocks: 0, finishedBlocks: 0 };
  const out = [];
  for await (const r of planRanges(rows(indices, problem), { rangeSize: 10, skip: new Set(), taken: new Set(), ...o }, stats)) out.push(r);
  return { ranges: out, stats };
}

Deno.test("planRanges: blocks of range_size rows named like single-machine shards; the last block is short", async () => {
  const { ranges, stats } = await plan(range(0, 95));
  assert.equal(ranges.length, 10);
  assert.equal(ranges[0].key, "000000000_000000009");
  assert.equal(ranges[9].key, "000000090_000000094");
  assert.deepEqual(ranges[9].rows.map((r) => r.index), range(90, 95));
  assert.deepEqual(ranges.flatMap((r) => r.rows.map((x) => x.index)), range(0, 95));
  assert.deepEqual(stats, { rows: 95, blocks: 10, finishedBlocks: 0 });
});

Deno.test("planRanges: done rows never move the blocks; finished blocks are left out, partial ones keep their key", async () => {
  const skip = new Set([...range(0, 10), 13, 14]);
  const { ranges, stats } = await plan(range(0, 30), { skip });
  assert.deepEqual(ranges.map((r) => r.key), ["000000010_000000019", "000000020_000000029"]);
  assert.deepEqual(ranges[0].rows.map((r) => r.index), [10, 11, 12, 15, 16, 17, 18, 19]);
  assert.equal(stats.finishedBlocks, 1);
  // Planned twice from the same output: the same keys (so the same message ids, deduplicated by the server).
  const again = await plan(range(0, 30), { skip });
  assert.deepEqual(again.ranges, ranges);
});

Deno.test("planRanges: a retry of failed rows takes the next free name, never overwriting a written shard", async () => {
  const taken = new Set(["000000000_000000009", "000000000_000000009_r2"]);
  const { ranges } = await plan(range(0, 20), { skip: new Set(range(1, 10)), taken });
  assert.deepEqual(ranges.map((r) => r.key), ["000000000_000000009_r3", "000000010_000000019"]);
  assert.ok(taken.has("000000000_000000009_r3"));
});

Deno.test("planRanges: sparse indices (remaining_indices_file), test-mode limit, and problem rows carried to the worker", async () => {
  const sparse = [3, 8, 20, 21, 50, 77, 78, 90, 91, 99, 120, 121];
  const { ranges } = await plan(sparse, {}, 50);
  assert.deepEqual(ranges.map((r) => r.key), ["000000003_000000099", "000000120_000000121"]);
  assert.deepEqual(ranges[0].rows.find((r) => r.index === 50), { index: 50, text: "", problem: "row 50: text is empty" });
  const limited = await plan(range(0, 100), { limit: 25 });
  assert.deepEqual(limited.ranges.map((r) => r.key), ["000000000_000000009", "000000010_000000019", "000000020_000000024"]);
  assert.equal(limited.stats.rows, 25);
});
