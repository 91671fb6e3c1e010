// What a resume trusts after a kill at each step of a shard's commit (side files, sidecar, shard rename), and
// that a read-only scan reports instead of repairing.
import assert from "node:assert/strict";
import { nullLogger } from "../../core/log.ts";
import { MemoryStorage } from "../../core/sink/memory_storage.ts";
import { scanOutput } from "../../core/sink/resume.ts";
import { textHash } from "../../core/sink/row_hash.ts";
import { commitShard } from "../../core/sink/shard_writer.ts";
import type { DoneRow, FailedRow } from "../../core/sink/sidecar.ts";

const done = (index: number, t = 7): DoneRow => ({ index, tokens: Int32Array.from([t, t]), seconds: 0.1, pieces: 1, attempt: 1, textHash: textHash(`r${index}`) });
const failed = (index: number): FailedRow => ({ index, error: "boom", attempts: 3, textHash: textHash(`r${index}`) });

/** The files a complete commit of shard 0-2 leaves, and the order it wrote them in. */
async function committed() {
  const s = new MemoryStorage();
  const order: string[] = [];
  const write = s.write.bind(s);
  s.write = (p, d) => (order.push(p), write(p, d));
  await commitShard(s, "csv", "000000000_000000002", [done(0), done(2)], [failed(1)], 2);
  return { files: s.files, order };
}

Deno.test("commit order: failed and side files, then the sidecar, then the shard; a kill at any step leaves nothing trusted wrongly", async () => {
  const { files, order } = await committed();
  assert.deepEqual(order, [
    "failed_details_000000000_000000002.json",
    "failed_indices_000000000_000000002.json",
    "shard_000000000_000000002.json",
    "audio_tokens_000000000_000000002.csv",
  ]);
  for (let k = 0; k <= order.length; k++) {
    const s = new MemoryStorage();
    for (const name of order.slice(0, k)) s.files.set(name, files.get(name)!);
    const state = await scanOutput(s, nullLogger);
    const complete = k === order.length;
    assert.deepEqual([...state.done], complete ? [0, 2] : [], `killed after ${k} writes`);
    assert.deepEqual([...state.failed], complete ? [1] : []);
    assert.deepEqual([...s.files.keys()].sort(), complete ? [...order].sort() : [], "orphans of a shard that never landed are removed");
    assert.equal(state.done.hashOf(0), complete ? textHash("r0") : undefined);
  }
});

Deno.test("a redone range's new sidecar beside the old shard (kill before the shard's rename): the shard is not trusted", async () => {
  const { files } = await committed();
  const s = new MemoryStorage();
  for (const [k, v] of files) s.files.set(k, v);
  await commitShard(s, "csv", "000000000_000000002", [done(0, 9), done(1, 9), done(2, 9)], [], 2);
  s.files.set("audio_tokens_000000000_000000002.csv", files.get("audio_tokens_000000000_000000002.csv")!); // the old shard
  const state = await scanOutput(s, nullLogger);
  assert.equal(state.done.size, 0);
  assert.deepEqual(state.quarantined.map((q) => q.file), ["audio_tokens_000000000_000000002.csv"]);
  assert.ok(s.files.has("quarantine/audio_tokens_000000000_000000002.csv"));
});

Deno.test("read-only scan: damage is reported, nothing is written, moved or removed", async () => {
  const { files } = await committed();
  const s = new MemoryStorage();
  for (const [k, v] of files) s.files.set(k, v);
  s.files.set("failed_indices_000000000_000000002.json", new TextEncoder().encode("garbage"));
  s.files.set("shard_000000009_000000009.json", new Uint8Array([1])); // an orphan
  const before = new Map(s.files);
  const state = await scanOutput(s, nullLogger, { readOnly: true });
  assert.deepEqual(s.files, before);
  assert.deepEqual([...state.failed], [1], "the sidecar's failed list stands");
  assert.equal(state.problems.length, 1);
  assert.match(state.problems[0], /failed_indices_000000000_000000002\.json: checksum mismatch .*left as it is \(a run would rewrite it from its shard's sidecar\)/);
  const repaired = await scanOutput(s, nullLogger);
  assert.deepEqual(s.files.get("failed_indices_000000000_000000002.json"), files.get("failed_indices_000000000_000000002.json"));
  assert.ok(!s.files.has("shard_000000009_000000009.json"));
  assert.deepEqual([...repaired.done], [0, 2]);
});
