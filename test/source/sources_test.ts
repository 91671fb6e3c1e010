import assert from "node:assert/strict";
import { parquetWriteBuffer } from "hyparquet-writer";
import { InputError } from "../../core/errors.ts";
import { CsvSource, JsonlSource, TextLinesSource } from "../../core/source/delimited_source.ts";
import { openTextSource } from "../../deno/open_source.ts";
import type { DatasetConfig } from "../../core/config/types.ts";
import { readRemainingIndices } from "../../core/source/remaining_indices.ts";
import { CONTRACT_ROWS, textSourceContract } from "./text_source_contract.ts";
import { startHubServer } from "../helpers/hub_server.ts";

const names = { text: "prompt", index: "index" };
const dir = Deno.makeTempDirSync({ prefix: "sources_test_" });

export function contractParquet(rows = CONTRACT_ROWS, rowGroupSize = 2): Uint8Array {
  return new Uint8Array(parquetWriteBuffer({
    columnData: [
      { name: "index", data: BigInt64Array.from(rows.map((r) => BigInt(r.index))), type: "INT64" },
      { name: "prompt", data: rows.map((r) => r.text), type: "STRING" },
    ],
    rowGroupSize,
  }));
}

function csvText(): string {
  const q = (s: string) => `"${s.replaceAll('"', '""')}"`;
  return "index,prompt\n" + CONTRACT_ROWS.map((r) => `${r.index},${q(r.text)}`).join("\n") + "\n";
}

function dataset(name: string, extra: Partial<DatasetConfig> = {}): DatasetConfig {
  return { name, split: "train", text_column: "prompt", index_column: "index", ...extra };
}

Deno.writeFileSync(`${dir}/c.parquet`, contractParquet());
Deno.writeTextFileSync(`${dir}/c.csv`, csvText());
Deno.writeTextFileSync(`${dir}/c.jsonl`, CONTRACT_ROWS.map((r) => JSON.stringify(r.text ? { index: r.index, prompt: r.text } : { index: r.index, prompt: "" })).join("\n"));

textSourceContract("parquet (local file, row groups of 2)", () => openTextSource(dataset(`${dir}/c.parquet`)));
textSourceContract("CSV", () => openTextSource(dataset(`${dir}/c.csv`)));
textSourceContract("JSONL", () => openTextSource(dataset(`${dir}/c.jsonl`)));
textSourceContract("Hugging Face dataset over HTTP ranges", async () => {
  const hub = await startHubServer({ datasets: [{ repo: "org/data", subset: "default", split: "train", files: [contractParquet(CONTRACT_ROWS.slice(0, 3)), contractParquet(CONTRACT_ROWS.slice(3))] }] });
  const source = await openTextSource(dataset("org/data"), { env: (k) => (k === "HF_ENDPOINT" ? hub.url : undefined) });
  // Drain and close the server once the contract is done with the source: the test reads lazily, so keep it open
  // for the process lifetime of this test file by closing on unload.
  addEventListener("unload", () => hub.close());
  return source;
});

Deno.test("plain text source: one item a line, index = line number", async () => {
  const s = new TextLinesSource("t.txt", "first\n\nthird\n", names);
  const rows = [];
  for await (const r of s.read()) rows.push(r);
  assert.deepEqual(rows, [{ index: 0, text: "first" }, { index: 2, text: "third" }]);
});

Deno.test("Hub source sends HF_TOKEN, reads by ranges, and never puts the token in messages", async () => {
  const hub = await startHubServer({ datasets: [{ repo: "org/priv", subset: "default", split: "train", files: [contractParquet()] }], requireToken: "hf_secret123" });
  try {
    const env = (t?: string) => (k: string) => (k === "HF_ENDPOINT" ? hub.url : k === "HF_TOKEN" ? t : undefined);
    const s = await openTextSource(dataset("org/priv"), { env: env("hf_secret123") });
    let n = 0;
    for await (const _ of s.read()) n++;
    assert.equal(n, 5);
    assert.ok(hub.requests.some((r) => r.range?.startsWith("bytes=")), "range requests used");
    assert.ok(hub.requests.every((r) => r.authorization === "Bearer hf_secret123"));
    const err = await openTextSource(dataset("org/priv"), { env: env("wrong_token_xyz") }).catch((e) => e);
    assert.ok(err instanceof InputError);
    assert.match(err.message, /HF_TOKEN/);
    assert.ok(!err.message.includes("wrong_token_xyz"));
    const missing = await openTextSource(dataset("org/none"), { env: env("hf_secret123") }).catch((e) => e);
    assert.match(missing.message, /not found/);
  } finally {
    await hub.close();
  }
});

async function rejects(p: Promise<unknown>, pattern: RegExp) {
  const e = await p.then(() => undefined, (e) => e);
  assert.ok(e instanceof InputError, `expected InputError, got ${e}`);
  assert.match(e.message, pattern);
}

async function drain(s: { read(): AsyncIterable<unknown> }) {
  for await (const _ of s.read()) { /* read all */ }
}

Deno.test("bad datasets get one clear message naming the place", async () => {
  await rejects(openTextSource(dataset(`${dir}/absent.parquet`)), /absent\.parquet: dataset file not found/);
  await rejects(openTextSource(dataset(`${dir}/c.parquet`, { text_column: "text" })), /no text column "text"; columns are: index, prompt/);
  Deno.writeFileSync(`${dir}/corrupt.parquet`, new TextEncoder().encode("PAR1 this is not parquet at all PAR1"));
  await rejects(openTextSource(dataset(`${dir}/corrupt.parquet`)), /corrupt\.parquet: not a readable parquet file/);
  await rejects(drain(new CsvSource("b.csv", 'index,prompt\n1,"unterminated\n2,ok\n', names)), /b\.csv: row \d+: malformed CSV/);
  await rejects(drain(new JsonlSource("b.jsonl", '{"index":1,"prompt":"a"}\n{"index":2,"prompt":\n', names)), /b\.jsonl: line 2: not valid JSON/);
  await rejects(drain(new CsvSource("e.csv", "", names)), /e\.csv: /);
  await rejects(drain(new CsvSource("d.csv", "index,prompt\n1,a\n1,b\n", names)), /d\.csv: row 2: duplicate index 1 \(first seen at row 1\)/);
  Deno.writeFileSync(`${dir}/latin1.txt`, Uint8Array.from([0x61, 0x0a, 0x62, 0xe9, 0x0a]));
  await rejects(openTextSource(dataset(`${dir}/latin1.txt`)), /latin1\.txt: not valid UTF-8 text \(near line 2\)/);
  await rejects(drain(new CsvSource("n.csv", "index,prompt\nx1,a\n", names)), /n\.csv: row 1: index column "index" holds "x1"/);
});

Deno.test("a dataset without an index column numbers its rows", async () => {
  const s = new CsvSource("noidx.csv", "prompt\nA\nB\n", names);
  const rows = [];
  for await (const r of s.read()) rows.push(r);
  assert.deepEqual(rows.map((r) => r.index), [0, 1]);
});

Deno.test("readRemainingIndices accepts a JSON list of ints and names the first bad entry", () => {
  assert.deepEqual(readRemainingIndices("[3, 1, 2]", "r.json"), [3, 1, 2]);
  assert.throws(() => readRemainingIndices("[1, -2]", "r.json"), /r\.json: entry \[1\] is -2/);
  assert.throws(() => readRemainingIndices("1\n2\n", "r.json"), /r\.json: remaining_indices_file is not valid JSON|must be a JSON list/);
});
