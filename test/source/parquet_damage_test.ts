// Damaged parquet pages that made hyparquet loop for hours (found by scripts/fuzz.ts) must be refused at once.
import assert from "node:assert/strict";
import { parquetWriteBuffer } from "hyparquet-writer";
import { InputError } from "../../core/errors.ts";
import { ParquetSource } from "../../core/source/parquet_source.ts";

const seed = new Uint8Array(parquetWriteBuffer({
  columnData: [
    { name: "index", data: BigInt64Array.from([0n, 1n, 2n, 3n]), type: "INT64" },
    { name: "prompt", data: ["one", "two", "zażółć", "four"], type: "STRING" },
  ],
  rowGroupSize: 2,
}));

async function readAll(bytes: Uint8Array) {
  const file = { byteLength: bytes.length, slice: (s: number, e?: number) => bytes.slice(s, e).buffer };
  const rows = [];
  for await (const r of (await ParquetSource.open("damaged.parquet", [file], { text: "prompt", index: "index" })).read()) rows.push(r);
  return rows;
}

/** Finds `pattern` in the seed file and overwrites it. */
function damage(find: number[], replace: number[], from = 0): Uint8Array {
  const out = seed.slice();
  for (let i = from; i < out.length; i++) {
    if (find.every((b, j) => out[i + j] === b)) {
      out.set(replace, i);
      return out;
    }
  }
  throw new Error("pattern not in the seed file");
}

Deno.test("the undamaged file reads", async () => {
  assert.deepEqual((await readAll(seed)).map((r) => r.text), ["one", "two", "zażółć", "four"]);
});

for (
  const [name, bytes] of [
    // data page v2 header: num_nulls becomes 2^27 and the struct ends early (no level lengths)
    ["a v2 header missing its level lengths", () => damage([0x15, 0x00, 0x15, 0x04, 0x15, 0x00, 0x15, 0x04, 0x15, 0x00, 0x00], [0x15, 0xff, 0xff, 0xff, 0x7f, 0x00], 100)],
    // page header num_values becomes a huge varint
    ["a page claiming more values than its chunk", () => damage([0x15, 0x04, 0x15, 0x00, 0x15, 0x04], [0x15, 0xf0, 0x15, 0x00, 0x15, 0x04])],
  ] as const
) {
  Deno.test(`parquet: ${name} is refused with the place named`, async () => {
    const t0 = performance.now();
    await assert.rejects(readAll(bytes()), (e) => e instanceof InputError && /damaged\.parquet/.test(e.message));
    assert.ok(performance.now() - t0 < 5000);
  });
}
