import assert from "node:assert/strict";
import { nullLogger } from "../../core/log.ts";
import { MemoryStorage } from "../../core/sink/memory_storage.ts";
import { ShardWriter } from "../../core/sink/shard_writer.ts";
import { textHash } from "../../core/sink/row_hash.ts";
import { decodeSidecar } from "../../core/sink/sidecar.ts";
import { sha256Hex } from "../../core/sha256.ts";

Deno.test("rows synthesized in several pieces are listed with their counts in split_indices_*.json", async () => {
  const storage = new MemoryStorage();
  const writer = new ShardWriter(storage, "csv", 3, new Set(), nullLogger);
  for (const i of [10, 11, 12, 13]) writer.plan(i, textHash(`text ${i}`));
  writer.endOfInput();
  await writer.record({ kind: "done", item: { index: 10, tokens: Int32Array.from([1, 2]), seconds: 0.1, pieces: 1 }, attempt: 1 });
  await writer.record({ kind: "done", item: { index: 11, tokens: Int32Array.from([3, 4]), seconds: 0.1, pieces: 3 }, attempt: 2 });
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

Deno.test("each shard gets a sidecar: rows, text hashes, tries, failed rows and the checksums of the shard and its side files", async () => {
  const storage = new MemoryStorage();
  const writer = new ShardWriter(storage, "csv", 3, new Set(), nullLogger);
  for (const i of [10, 11, 12]) writer.plan(i, textHash(`text ${i}`));
  writer.endOfInput();
  await writer.record({ kind: "done", item: { index: 11, tokens: Int32Array.from([3, 4]), seconds: 0.1, pieces: 1 }, attempt: 2 });
  await writer.record({ kind: "failed", item: { index: 12, error: "x", attempts: 3 } });
  await writer.record({ kind: "done", item: { index: 10, tokens: Int32Array.from([1, 1023]), seconds: 0.1, pieces: 1 }, attempt: 1 });
  await writer.finish();
  const side = decodeSidecar((await storage.read("shard_000000010_000000012.json"))!);
  const shard = (await storage.read("audio_tokens_000000010_000000012.csv"))!;
  assert.equal(side.shard, "audio_tokens_000000010_000000012.csv");
  assert.equal(side.sha256, await sha256Hex(shard));
  assert.equal(side.bytes, shard.length);
  assert.deepEqual(side.rows, [10, 11]);
  assert.deepEqual(side.attempts, [1, 2]);
  assert.deepEqual(side.text_hashes, [textHash("text 10"), textHash("text 11")]);
  assert.deepEqual([side.failed, side.failed_text_hashes], [[12], [textHash("text 12")]]);
  assert.deepEqual([side.codebooks, side.token_min, side.token_max], [2, 1, 1023]);
  assert.equal(side.files["failed_indices_000000010_000000012.json"], await sha256Hex((await storage.read("failed_indices_000000010_000000012.json"))!));
  assert.ok(side.files["failed_details_000000010_000000012.json"]);
  assert.notEqual(textHash("text 10"), textHash("text 10 "));
  assert.match(textHash(""), /^[0-9a-f]{16}$/);
});
