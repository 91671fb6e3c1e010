// The text formats are read line by line from a byte stream: the rows must not depend on where the stream's
// chunks end, quoted CSV fields may span lines, and every error still names the file and the row.
import assert from "node:assert/strict";
import { parquetWriteBuffer } from "hyparquet-writer";
import Papa from "papaparse";
import { InputError } from "../../core/errors.ts";
import { CsvSource, JsonlSource, type OpenBytes, TextLinesSource } from "../../core/source/delimited_source.ts";
import { ParquetSource, sliceRows } from "../../core/source/parquet_source.ts";
import { DuplicateGuard } from "../../core/source/rows.ts";
import type { SourceRow, TextSource } from "../../core/source/text_source.ts";
import { openTextSource } from "../../deno/open_source.ts";
import { textSourceContract } from "./text_source_contract.ts";

const names = { text: "prompt", index: "index" };

/** The bytes of `text` in chunks of `size` bytes (1 = every multi-byte character split). */
function chunked(text: string | Uint8Array, size: number): OpenBytes {
  const bytes = typeof text === "string" ? new TextEncoder().encode(text) : text;
  return () =>
    Promise.resolve(new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < bytes.length; i += size) c.enqueue(bytes.slice(i, i + size));
        c.close();
      },
    }));
}

async function rowsOf(source: TextSource, only?: Set<number>): Promise<SourceRow[]> {
  const out: SourceRow[] = [];
  for await (const r of source.read({ only })) out.push(r);
  return out;
}

async function errorOf(p: Promise<unknown>): Promise<string> {
  const e = await p.then(() => undefined, (e) => e);
  assert.ok(e instanceof InputError, `expected an InputError, got ${e}`);
  return e.message;
}

const CSV = '\uFEFFindex,prompt,other\r\n7,"Multi\r\nline, with ""quotes""",x\r\n3,Zażółć gęślą jaźń ✓,y\r\n\r\n9,"a, b",\r\n12,plain "inner" quotes,z\r\n';

Deno.test("CSV: the same rows as papaparse on the whole text, whatever the chunk size (CRLF, BOM, quoted newlines)", async () => {
  const expected = Papa.parse<Record<string, string>>(CSV.slice(1), { header: true, skipEmptyLines: true }).data
    .map((r) => ({ index: Number(r.index), text: r.prompt }));
  assert.equal(expected.length, 4);
  for (const size of [1, 2, 3, 7, 64, 1 << 16]) {
    const rows = await rowsOf(new CsvSource("c.csv", chunked(CSV, size), names));
    assert.deepEqual(rows, expected, `chunks of ${size} bytes`);
  }
});

Deno.test("JSONL and text: the same rows whatever the chunk size; blank lines keep their number", async () => {
  const jsonl = '{"index": 5, "prompt": "héllo"}\n\n{"index": 6, "prompt": "wörld ✓"}\r\n{"index": 4, "prompt": "last, no newline"}';
  const text = "first ✓\r\n\nthird\n";
  for (const size of [1, 3, 1 << 16]) {
    assert.deepEqual(await rowsOf(new JsonlSource("j.jsonl", chunked(jsonl, size), names)), [
      { index: 5, text: "héllo" },
      { index: 6, text: "wörld ✓" },
      { index: 4, text: "last, no newline" },
    ]);
    assert.deepEqual(await rowsOf(new TextLinesSource("t.txt", chunked(text, size), names)), [{ index: 0, text: "first ✓" }, { index: 2, text: "third" }]);
  }
});

Deno.test("errors name the exact line or row, also deep in a file and across chunk ends", async () => {
  const good = Array.from({ length: 5000 }, (_, i) => JSON.stringify({ index: i, prompt: `row ${i} ✓` })).join("\n");
  // Bad UTF-8 on line 4001 (a lone continuation byte), read in 7-byte chunks.
  const enc = (s: string) => new TextEncoder().encode(s);
  const lines = good.split("\n");
  const broken = Uint8Array.from([...enc(lines.slice(0, 4000).join("\n") + '\n{"index": 4000, "prompt": "x'), 0x80, ...enc('"}\n' + lines.slice(4001).join("\n"))]);
  assert.match(await errorOf(new JsonlSource("u.jsonl", chunked(broken, 7), names).count()), /^u\.jsonl: not valid UTF-8 text \(near line 4001\)/);
  assert.match(await errorOf(new JsonlSource("b.jsonl", chunked(good + "\n{oops\n", 4096), names).count()), /^b\.jsonl: line 5001: not valid JSON/);
  const dup = good + "\n" + JSON.stringify({ index: 2500, prompt: "again" });
  assert.equal(await errorOf(new JsonlSource("d.jsonl", chunked(dup, 4096), names).count()), "d.jsonl: line 5001: duplicate index 2500 (first seen at line 2501); indices must be unique");
  const csv = "index,prompt\n" + Array.from({ length: 3000 }, (_, i) => `${i},"text ${i}"`).join("\n") + '\n3000,"never closed\n3001,ok\n';
  assert.match(await errorOf(new CsvSource("q.csv", chunked(csv, 1000), names).count()), /^q\.csv: row 3001: malformed CSV: Quoted field unterminated/);
  assert.match(await errorOf(new CsvSource("m.csv", chunked("index,prompt\n1,a\n2,b,c\n", 5), names).count()), /^m\.csv: row 2: malformed CSV: Too many fields: expected 2 fields but parsed 3/);
  // A JSONL file where only some rows carry the index column: the first row without it is named.
  assert.match(await errorOf(new JsonlSource("i.jsonl", '{"prompt": "a"}\n{"index": 1, "prompt": "b"}\n', names).count()), /^i\.jsonl: line 1: index column "index" holds "undefined"/);
});

Deno.test("hostile files: no newline for megabytes, a quote never closed: refused without reading the file into memory", async () => {
  const noNewline = new Uint8Array(17 * 1024 * 1024).fill(0x61);
  assert.match(await errorOf(new TextLinesSource("big.txt", chunked(noNewline, 1 << 16), names).count()), /big\.txt: line 1 is longer than 16 MiB/);
  const open = "index,prompt\n0,\"" + "x\n".repeat(2_500_000);
  assert.match(await errorOf(new CsvSource("open.csv", chunked(open, 1 << 16), names).count()), /open\.csv: row 1: malformed CSV: a quoted field runs past 4 MiB/);
});

Deno.test("read({only}) stops reading once every wanted row is found", async () => {
  const text = Array.from({ length: 10_000 }, (_, i) => JSON.stringify({ index: i, prompt: `p${i}` }) + "\n").join("");
  let pulled = 0;
  const counting: OpenBytes = async () => {
    pulled = 0;
    const body = await chunked(text, 1000)();
    return body.pipeThrough(new TransformStream({ transform: (c, ctl) => (pulled += c.length, ctl.enqueue(c)) }));
  };
  const source = new JsonlSource("o.jsonl", counting, names);
  await source.count();
  assert.equal(pulled, text.length, "the checking pass reads everything");
  assert.deepEqual((await rowsOf(source, new Set([3, 10]))).map((r) => r.index), [3, 10]);
  assert.ok(pulled <= 4000, `read ${pulled} bytes for rows 3 and 10`);
});

Deno.test("checkDuringRead: one pass gives the rows of a checked read, leaves nothing owed, and every malformed file its own message", async () => {
  const text = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ index: 2 * i, prompt: `p${i} ✓` }) + "\n").join("");
  let opened = 0;
  const counting = (t: string): OpenBytes => () => (opened++, chunked(t, 1000)());
  const source = new JsonlSource("r.jsonl", counting(text), names);
  assert.equal(source.unchecked(), true);
  const rows: SourceRow[] = [];
  for await (const r of source.read({ checkDuringRead: true })) rows.push(r);
  assert.equal(opened, 1, "one pass over the file");
  assert.equal(source.unchecked(), false);
  assert.equal(await source.count(), 3000);
  assert.equal(opened, 1, "count() after the read costs no pass");
  assert.deepEqual(rows, await rowsOf(new JsonlSource("r.jsonl", text, names)));

  // A read cut short is no check: the check is still owed, and count() makes it.
  const cut = new JsonlSource("c.jsonl", counting(text), names);
  for await (const _ of cut.read({ checkDuringRead: true })) break;
  assert.equal(cut.unchecked(), true);
  assert.equal(await cut.count(), 3000);

  // Malformed files: the read ends with the error a checked read (count()) gives, rows or not before it.
  const good = text.split("\n").slice(0, 2000).join("\n");
  const cases: [string, string | Uint8Array][] = [
    ["i.jsonl", '{"prompt": "a"}\n{"index": 1, "prompt": "b"}\n'], // the first row lacks the index others have
    ["k.jsonl", good + '\n{"prompt": "no index"}\n' + good.split("\n").slice(1, 3).join("\n").replaceAll("p", "q")],
    ["k2.jsonl", good + '\n{"prompt": "no index"}\n{oops\n'], // an immediate error after the deferred one wins
    ["d.jsonl", good + "\n" + JSON.stringify({ index: 10, prompt: "again" })],
    ["n.jsonl", '{"index": 1, "text": "a"}\n{"index": 2, "text": "b"}\n'], // no text column
    ["e.jsonl", "\n\n"],
    ["u.jsonl", Uint8Array.from([...new TextEncoder().encode(good + '\n{"index": 9999, "prompt": "'), 0xff, 0x22, 0x7d, 0x0a])],
    ["q.csv", 'index,prompt\n1,a\n2,"never closed\n3,b\n'],
    ["h.csv", "index,other\n1,a\n"],
    ["x.csv", "index,prompt\n1,a\n1,b\n"],
  ];
  for (const [label, body] of cases) {
    const make = () => label.endsWith(".csv") ? new CsvSource(label, chunked(body, 333), names) : new JsonlSource(label, chunked(body, 333), names);
    const expected = await errorOf(make().count());
    const during = await errorOf((async () => {
      for await (const _ of make().read({ checkDuringRead: true })) { /* rows before the error */ }
    })());
    assert.equal(during, expected, label);
  }
});

Deno.test("byteLines: a line's byte order mark is dropped as when lines were decoded one at a time; bad bytes name their line", async () => {
  const body = "\uFEFFfirst\n\uFEFF\uFEFFsecond\nthird\n\uFEFFlast";
  for (const size of [1, 4, 1 << 16]) {
    assert.deepEqual((await rowsOf(new TextLinesSource("b.txt", chunked(body, size), names))).map((r) => r.text), ["first", "\uFEFFsecond", "third", "last"]);
  }
  const bad = Uint8Array.from([...new TextEncoder().encode("a\nb\nc"), 0xc3, ...new TextEncoder().encode("\nd\n")]);
  for (const size of [2, 1 << 16]) {
    assert.match(await errorOf(new TextLinesSource("bad.txt", chunked(bad, size), names).count()), /^bad\.txt: not valid UTF-8 text \(near line 3\)/);
  }
});

Deno.test("DuplicateGuard: runs stay compact; out-of-order and gapped indices are still caught with the first place", () => {
  const g = new DuplicateGuard("f", (p) => `row ${p}`);
  for (let i = 0; i < 100_000; i++) g.check(1000 + i, i + 1); // one run
  for (let i = 0; i < 50; i++) g.check(500_000 + 2 * i, 200_000 + i); // gaps: one run each
  g.check(7, 300_000); // out of order, new
  assert.throws(() => g.check(1000 + 4242, 300_001), /f: row 300001: duplicate index 5242 \(first seen at row 4243\)/);
  assert.throws(() => g.check(500_000 + 2 * 49, 300_002), /duplicate index 500098 \(first seen at row 200049\)/);
  assert.throws(() => g.check(7, 300_003), /duplicate index 7 \(first seen at row 300000\)/);
  g.check(500_001, 300_004); // inside the gapped range but never seen
  // Shuffled indices: each caught.
  const s = new DuplicateGuard("s");
  const order = Array.from({ length: 2000 }, (_, i) => (i * 7919) % 2000);
  order.forEach((index, p) => s.check(index, p));
  order.forEach((index, p) => assert.throws(() => s.check(index, 5000 + p), new RegExp(`first seen at row ${p}\\)`)));
});

// The same contract as every source, streamed from an HTTP server that sends the body in small chunks.
const server = Deno.serve({ port: 0, onListen: () => {} }, async (req) => {
  const rows = [
    { index: 10, prompt: "Hello there." },
    { index: 11, prompt: "Zażółć gęślą jaźń — ünïcödé ✓" },
    { index: 12, prompt: "" },
    { index: 13, prompt: 'Line with, a comma and "quotes"' },
    { index: 14, prompt: "The last one." },
  ];
  const body = new URL(req.url).pathname.endsWith(".csv")
    ? "index,prompt\n" + rows.map((r) => `${r.index},"${r.prompt.replaceAll('"', '""')}"`).join("\n")
    : rows.map((r) => JSON.stringify(r)).join("\n");
  return new Response(await chunked(body, 5)());
});
addEventListener("unload", () => server.shutdown());
const base = `http://127.0.0.1:${server.addr.port}`;
const url = (file: string) => ({ name: `${base}/${file}`, split: "train", text_column: "prompt", index_column: "index" });
textSourceContract("CSV over HTTP, streamed", () => openTextSource(url("c.csv")));
textSourceContract("JSONL over HTTP, streamed", () => openTextSource(url("c.jsonl")));

Deno.test("parquet: a row group larger than one decoding slice gives every row once, in order", async () => {
  // 1,500 texts of 12,000 characters: 18 MB of text in one row group, more than one 2 MiB slice.
  const n = 1_500;
  const textOf = (i: number) => `text ${i} `.padEnd(12_000, String.fromCharCode(97 + (i % 26)));
  const bytes = new Uint8Array(parquetWriteBuffer({
    columnData: [
      { name: "index", data: BigInt64Array.from({ length: n }, (_, i) => BigInt(3 * i)), type: "INT64" },
      { name: "prompt", data: Array.from({ length: n }, (_, i) => textOf(i)), type: "STRING" },
    ],
    rowGroupSize: n,
    pageSize: 1 << 20,
  }));
  const file = { byteLength: bytes.length, slice: (s: number, e?: number) => bytes.slice(s, e).buffer };
  const source = await ParquetSource.open("big.parquet", [file], names);
  const rows = await rowsOf(source);
  assert.equal(rows.length, n);
  assert.ok(rows.every((r, i) => r.index === 3 * i && r.text === textOf(i)));
  assert.ok(sliceRows(n, n * 12_000) < n, "the group is read in two slices");
  assert.deepEqual([sliceRows(100_000, 10_000_000), sliceRows(5_000_000, 500_000_000), sliceRows(10, 0), sliceRows(1000, 1e9)], [10_000, 10_000, 10, 100]);
});
