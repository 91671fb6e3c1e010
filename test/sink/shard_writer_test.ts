import assert from "node:assert/strict";
import { nullLogger } from "../../core/log.ts";
import { MemoryStorage } from "../../core/sink/memory_storage.ts";
import { ShardWriter } from "../../core/sink/shard_writer.ts";

Deno.test("rows synthesized in several pieces are listed with their counts in split_indices_*.json", async () => {
  const storage = new MemoryStorage();
  const writer = new ShardWriter(storage, "csv", 3, new Set(), nullLogger);
  for (const i of [10, 11, 12, 13]) writer.plan(i);
  writer.endOfInput();
  await writer.record({ kind: "done", item: { index: 10, tokens: Int32Array.from([1, 2]), seconds: 0.1, pieces: 1 }, attempt: 1 });
  await writer.record({ kind: "done", item: { index: 11, tokens: Int32Array.from([3, 4]), seconds: 0.1, pieces: 3 }, attempt: 1 });
  await writer.record({ kind: "failed", item: { index: 12, error: "x", attempts: 2 } });
  await writer.record({ kind: "done", item: { index: 13, tokens: Int32Array.from([5, 6]), seconds: 0.1, pieces: 1 }, attempt: 1 });
  await writer.finish();
  const read = async (name: string) => {
    const b = await storage.read(name);
    return b && JSON.parse(new TextDecoder().decode(b));
  };
  assert.deepEqual(await read("split_indices_000000010_000000012.json"), [{ index: 11, pieces: 3 }]);
  assert.equal(await read("split_indices_000000013_000000013.json"), undefined); // none split: no file
  assert.deepEqual(await read("failed_indices_000000010_000000012.json"), [12]);
});
