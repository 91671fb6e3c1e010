// The job identity API that the CLI, `remaining`, the NATS coordinator and workers, the browser page and
// `combine` share: building, diffing, recording once, refusing, and the compact done-row state behind resume.
import assert from "node:assert/strict";
import { resolveConfig } from "../../core/config/load.ts";
import { ConfigError, StorageError } from "../../core/errors.ts";
import { checkJob, claimJob, JobMismatchError } from "../../core/job/claim.ts";
import { decodeJobFile, diffIdentity, JOB_FILE, jobIdentityOf } from "../../core/job/identity.ts";
import { nullLogger } from "../../core/log.ts";
import { MemoryStorage } from "../../core/sink/memory_storage.ts";
import { DoneRows } from "../../core/sink/done_rows.ts";
import { textHash } from "../../core/sink/row_hash.ts";

const config = (processing: Record<string, unknown> = {}, dataset: Record<string, unknown> = {}) =>
  resolveConfig({ dataset: { name: "data/x.jsonl", ...dataset }, processing }, {});

Deno.test("identity: token-changing settings differ by name; devices, workers, batch size, timeouts and test mode do not", () => {
  const a = jobIdentityOf(config());
  assert.deepEqual(diffIdentity(a, jobIdentityOf(config({ devices: ["gpu:3"], num_procs_per_device: 4, batch_size: 2, item_timeout_s: 5, max_retries: 9 }))), []);
  assert.deepEqual(diffIdentity(a, jobIdentityOf({ ...config(), test_mode: true, num_samples: 3 })), []);
  assert.deepEqual(diffIdentity(a, jobIdentityOf(config({ temperature: 0.5, top_k: 5, cps: 12 }, { text_column: "text", split: "test" }))), [
    "temperature: output has 0.7, this run 0.5",
    "top_k: output has null, this run 5",
    "cps: output has 15, this run 12",
    'dataset.split: output has "train", this run "test"',
    'dataset.text_column: output has "prompt", this run "text"',
  ]);
  assert.deepEqual(diffIdentity(jobIdentityOf(config(), { models: { t2s: "a".repeat(64) } }), jobIdentityOf(config(), { models: { t2s: "b".repeat(64) } })), [
    `models.t2s.sha256: output has "${"a".repeat(64)}", this run "${"b".repeat(64)}"`,
  ]);
  // A hash one side does not know is not compared (refs still are).
  assert.deepEqual(diffIdentity(jobIdentityOf(config(), { models: { t2s: "a".repeat(64) } }), a), []);
  assert.deepEqual(diffIdentity(a, jobIdentityOf(config(), {}) ), []);
  assert.deepEqual(diffIdentity(a, jobIdentityOf(config({}, { name: "./data/x.jsonl" }))), []);
  // fp16 decoders change tokens slightly: the precision is part of the job (fp32 by default, and for old folders).
  assert.deepEqual(diffIdentity(a, jobIdentityOf(config({ devices: ["gpu:0"], precision: "fp16" }))), ['precision: output has "fp32", this run "fp16/2"']);
  // A folder an fp16 run wrote before the fp16 graphs changed (float32 KV caches) is not continued with the new ones.
  const fp16Before = jobIdentityOf(config({ devices: ["gpu:0"], precision: "fp16" }));
  fp16Before.generation.precision = "fp16";
  assert.deepEqual(diffIdentity(fp16Before, jobIdentityOf(config({ devices: ["gpu:0"], precision: "fp16" }))), ['precision: output has "fp16", this run "fp16/2"']);
  const old = JSON.parse(new TextDecoder().decode(new TextEncoder().encode(JSON.stringify({ tool: "ichigo-tts-tokens", version: 1, created: "x", identity: a }))));
  delete old.identity.generation.precision;
  assert.deepEqual(diffIdentity(decodeJobFile(new TextEncoder().encode(JSON.stringify(old))).identity, a), []);
  // auto with CPU and GPU workers would write fp32 and fp16 rows into one job.
  assert.throws(() => config({ devices: ["cpu", "gpu:0"], precision: "auto" }), /processing\.precision: auto would run gpu:0 in fp16 and cpu in fp32/);
  assert.equal(config({ devices: ["cpu", "gpu:0"] }).processing.precision, "fp32");
});

Deno.test("claimJob records job.json once; a different job is refused (a ConfigError: exit 2) with nothing written", async () => {
  const s = new MemoryStorage("out");
  await claimJob(s, jobIdentityOf(config()), nullLogger, () => 0);
  const first = s.files.get(JOB_FILE)!;
  assert.equal(decodeJobFile(first).created, new Date(0).toISOString());
  await claimJob(s, jobIdentityOf(config({ devices: ["cpu"] })), nullLogger);
  assert.equal(s.files.get(JOB_FILE), first, "same job: not rewritten");
  s.files.set("audio_tokens_000000000_000000009.csv", new Uint8Array([1]));
  const before = new Map(s.files);
  await assert.rejects(claimJob(s, jobIdentityOf(config({ seed: 1 })), nullLogger), (e: Error) =>
    e instanceof JobMismatchError && e instanceof ConfigError && e.message.startsWith("out belongs to another job (seed: output has 0, this run 1)"));
  assert.deepEqual(s.files, before);
  await assert.rejects(checkJob(s, jobIdentityOf(config({ seed: 1 }))), JobMismatchError);
});

Deno.test("a folder with no rows yet is recorded again; a damaged job.json stops; a pre-job.json folder is checked against its manifest", async () => {
  const s = new MemoryStorage("out");
  await claimJob(s, jobIdentityOf(config({}, { text_column: "txt" })), nullLogger);
  await claimJob(s, jobIdentityOf(config()), nullLogger);
  assert.deepEqual(diffIdentity(decodeJobFile(s.files.get(JOB_FILE)!).identity, jobIdentityOf(config())), []);
  s.files.set(JOB_FILE, new TextEncoder().encode("{oops"));
  await assert.rejects(claimJob(s, jobIdentityOf(config()), nullLogger), (e: Error) => e instanceof StorageError && /^out\/job\.json: damaged \(not JSON/.test(e.message));
  const legacy = new MemoryStorage("old");
  legacy.files.set("manifest.json", new TextEncoder().encode(JSON.stringify({ runs: [{ config: config({ seed: 4 }) }] })));
  legacy.files.set("audio_tokens_000000000_000000009.csv", new Uint8Array([1]));
  await assert.rejects(claimJob(legacy, jobIdentityOf(config()), nullLogger), /seed: output has 4, this run 0/);
  await claimJob(legacy, jobIdentityOf(config({ seed: 4 })), nullLogger);
  assert.ok(legacy.files.has(JOB_FILE));
});

Deno.test("DoneRows: compact sorted state; duplicates found; text hashes kept per row", () => {
  const d = new DoneRows();
  for (const i of [5000, 3, 7, 3]) d.add(i, textHash(`t${i}`));
  d.add(9, undefined);
  assert.deepEqual(d.freeze(), [3]);
  assert.equal(d.size, 4);
  assert.deepEqual([...d], [3, 7, 9, 5000]);
  assert.ok(d.has(5000) && !d.has(4) && !d.has(-1));
  assert.equal(d.hashOf(7), textHash("t7"));
  assert.equal(d.hashOf(9), undefined);
  const big = new DoneRows();
  for (let i = 0; i < 300_000; i++) big.add(i * 2, textHash(String(i)));
  assert.equal(big.size, 300_000);
  assert.ok(big.has(599_998) && !big.has(599_999));
  assert.equal(big.hashOf(1000), textHash("500"));
});

Deno.test("jobFactsOf: the sha256 of a local model file and of a speaker file, streamed; test doubles use no models", async () => {
  const { jobFactsOf } = await import("../../deno/job_facts.ts");
  const dir = await Deno.makeTempDir();
  const bytes = Uint8Array.from({ length: 200_000 }, (_, i) => (i * 7) % 256);
  Deno.writeFileSync(`${dir}/t2s.model`, bytes);
  Deno.writeTextFileSync(`${dir}/speaker.json`, "[0.5]");
  const hex = async (b: Uint8Array<ArrayBuffer>) => Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", b)), (x) => x.toString(16).padStart(2, "0")).join("");
  const c = resolveConfig({ dataset: { name: "x.jsonl" }, processing: { speaker: `${dir}/speaker.json` }, models: { t2s: `${dir}/t2s.model`, s2a: "demo:s2a" } }, {});
  const facts = await jobFactsOf({ ...c, models: { t2s: `${dir}/t2s.model`, s2a: "demo:s2a" } }, { modelsUsed: true });
  assert.equal(facts.models?.t2s, await hex(bytes));
  assert.equal(facts.models?.s2a, undefined, "demo models are known by their ref");
  assert.equal(facts.speaker, await hex(new TextEncoder().encode("[0.5]")));
  assert.deepEqual((await jobFactsOf(c, { modelsUsed: false })).models, {});
});
