// Resume's text check: every done row must still have its text. On a source that still owes its checking pass
// the check is made in the same read, and a malformed file's own message wins over a changed row's.
import assert from "node:assert/strict";
import { InputError } from "../../core/errors.ts";
import { DoneRows } from "../../core/sink/done_rows.ts";
import { textHash } from "../../core/sink/row_hash.ts";
import { verifyDoneTexts } from "../../core/sink/verify_texts.ts";
import { JsonlSource } from "../../core/source/delimited_source.ts";

const names = { text: "prompt", index: "index" };
const line = (index: number, prompt: string) => JSON.stringify({ index, prompt }) + "\n";

function doneRows(texts: string[]): DoneRows {
  const done = new DoneRows();
  texts.forEach((t, i) => done.add(i, textHash(t)));
  return done;
}

async function errorOf(p: Promise<unknown>): Promise<string> {
  const e = await p.then(() => undefined, (e) => e);
  assert.ok(e instanceof InputError, `expected an InputError, got ${e}`);
  return e.message;
}

Deno.test("verifyDoneTexts: counts done and failed rows in one read that is also the checking pass", async () => {
  let opened = 0;
  const body = [0, 1, 2, 3].map((i) => line(i, `t${i}`)).join("");
  const source = new JsonlSource("d.jsonl", () => (opened++, Promise.resolve(new Blob([body]).stream())), names);
  assert.deepEqual(await verifyDoneTexts(source, doneRows(["t0", "t1"]), new Set([3, 9])), { done: 2, failed: 1 });
  assert.equal(opened, 1);
  assert.equal(await source.count(), 4);
  assert.equal(opened, 1, "no second pass");
});

Deno.test("verifyDoneTexts: a changed row stops the run naming it; a malformed file gets its own message first", async () => {
  const changed = line(0, "t0") + line(1, "edited") + line(2, "t2");
  assert.match(await errorOf(verifyDoneTexts(new JsonlSource("c.jsonl", changed, names), doneRows(["t0", "t1", "t2"]), new Set())), /^c\.jsonl: row 1: dataset changed since the output was written/);
  const alsoBroken = changed + "{oops\n";
  assert.match(await errorOf(verifyDoneTexts(new JsonlSource("b.jsonl", alsoBroken, names), doneRows(["t0", "t1", "t2"]), new Set())), /^b\.jsonl: line 4: not valid JSON/);
  const missingIndex = changed + JSON.stringify({ prompt: "x" }) + "\n";
  assert.match(await errorOf(verifyDoneTexts(new JsonlSource("i.jsonl", missingIndex, names), doneRows(["t0", "t1", "t2"]), new Set())), /^i\.jsonl: line 4: index column "index" holds "undefined"/);
  // A source checked before (count()): the changed row is reported at once, as before.
  const checked = new JsonlSource("k.jsonl", changed, names);
  await checked.count();
  assert.match(await errorOf(verifyDoneTexts(checked, doneRows(["t0", "t1", "t2"]), new Set())), /^k\.jsonl: row 1: dataset changed/);
});
