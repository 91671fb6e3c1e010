import assert from "node:assert/strict";
import { decodeCsv, decodeParquet, encodeCsv, encodeFailedIndices, encodeParquet } from "../../core/sink/shard_format.ts";
import { shardKey } from "../../core/sink/shard_names.ts";

Deno.test("encodeCsv writes the seed's format: header index,tokens and a quoted JSON int array", () => {
  const bytes = encodeCsv([{ index: 7, tokens: Int32Array.from([1, 1023, 0, 5]) }, { index: 8, tokens: [] }]);
  assert.equal(new TextDecoder().decode(bytes), 'index,tokens\n7,"[1,1023,0,5]"\n8,"[]"\n');
  assert.deepEqual(decodeCsv(bytes), [{ index: 7, tokens: [1, 1023, 0, 5] }, { index: 8, tokens: [] }]);
  // The quoted field is a JSON array (what pandas + json.loads read back).
  assert.deepEqual(JSON.parse(new TextDecoder().decode(bytes).split("\n")[1].split(",\"")[1].slice(0, -1)), [1, 1023, 0, 5]);
});

Deno.test("decodeCsv refuses torn or edited files", () => {
  assert.throws(() => decodeCsv(new TextEncoder().encode('index,tokens\n7,"[1,2')), /incomplete/);
  assert.throws(() => decodeCsv(new TextEncoder().encode('index,tokens\n7,[1,2]\n')), /line 2/);
  assert.throws(() => decodeCsv(new TextEncoder().encode("idx,tok\n")), /header/);
});

Deno.test("parquet shards round-trip index:int64, tokens:list<int32>", async () => {
  const rows = [{ index: 3, tokens: [5, 6, 7] }, { index: 9, tokens: [1023] }];
  assert.deepEqual(await decodeParquet(encodeParquet(rows)), rows);
});

Deno.test("failed_indices is a JSON array; shard keys avoid names already taken", () => {
  assert.deepEqual(JSON.parse(new TextDecoder().decode(encodeFailedIndices([{ index: 4, error: "x", attempts: 3 }]))), [4]);
  assert.equal(shardKey(0, 49, new Set()), "000000000_000000049");
  assert.equal(shardKey(0, 49, new Set(["000000000_000000049"])), "000000000_000000049_r2");
});
