// The contract every TextSource implementation runs: order, `only` filter, count, problems, re-readability.
import assert from "node:assert/strict";
import type { SourceRow, TextSource } from "../../core/source/text_source.ts";

/** Rows every contract fixture holds: indices 10..14, row 12 with an empty text. */
export const CONTRACT_ROWS = [
  { index: 10, text: "Hello there." },
  { index: 11, text: "Zażółć gęślą jaźń — ünïcödé ✓" },
  { index: 12, text: "" },
  { index: 13, text: "Line with, a comma and \"quotes\"" },
  { index: 14, text: "The last one." },
];

async function collect(rows: AsyncIterable<SourceRow>): Promise<SourceRow[]> {
  const out: SourceRow[] = [];
  for await (const r of rows) out.push(r);
  return out;
}

export function textSourceContract(name: string, open: () => Promise<TextSource>) {
  Deno.test(`${name}: yields rows in order with their indices; empty text is a problem naming the row`, async () => {
    const source = await open();
    const rows = await collect(source.read());
    assert.deepEqual(rows.map((r) => r.index), CONTRACT_ROWS.map((r) => r.index));
    assert.deepEqual(rows.filter((r) => !r.problem).map((r) => r.text), CONTRACT_ROWS.filter((r) => r.text).map((r) => r.text));
    const bad = rows.find((r) => r.index === 12)!;
    assert.match(bad.problem ?? "", /empty/);
    assert.ok(bad.problem!.includes(source.label), "the problem names the source");
    const n = await source.count();
    if (n !== undefined) assert.equal(n, CONTRACT_ROWS.length);
  });
  Deno.test(`${name}: read({only}) filters by dataset index and the source can be read again`, async () => {
    const source = await open();
    const only = await collect(source.read({ only: new Set([14, 11]) }));
    assert.deepEqual(only.map((r) => r.index), [11, 14]);
    const again = await collect(source.read());
    assert.equal(again.length, CONTRACT_ROWS.length);
  });
}
