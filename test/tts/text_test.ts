import assert from "node:assert/strict";
import { InputError } from "../../core/errors.ts";
import { languageId } from "../../models/whisperspeech/languages.ts";
import { cpsBin, MAX_TEXT_BYTES, normalizeText, splitText, textSlots } from "../../models/whisperspeech/text.ts";

const bytes = (s: string) => new TextEncoder().encode(s).length;

Deno.test("text slots: [0, utf-8 bytes..., 0...] over 550 slots", () => {
  const t = textSlots("Zażółć");
  assert.equal(t.length, 550);
  assert.deepEqual(Array.from(t.subarray(0, 12)), [0, 90, 97, 197, 188, 195, 179, 197, 130, 196, 135, 0]);
});

Deno.test("newlines become spaces and the text is stripped, as upstream", () => {
  assert.equal(normalizeText("  one\ntwo\n"), "one two");
});

Deno.test("cps bins: trunc(cps/20*32) clamped to 0..31", () => {
  assert.equal(cpsBin(15), 24);
  assert.equal(cpsBin(19.99), 31);
  assert.equal(cpsBin(40), 31);
  assert.equal(cpsBin(-3), 0);
});

Deno.test("language ids in Whisper order, names and aliases too", () => {
  assert.equal(languageId("en"), 0);
  assert.equal(languageId("pl"), 10);
  assert.equal(languageId("Polish"), 10);
  assert.equal(languageId("castilian"), 3);
  assert.equal(languageId("su"), 98);
  assert.throws(() => languageId("xx", "processing.lang"), (e) => e instanceof InputError && /processing\.lang: unknown language "xx"/.test(e.message));
});

const long = Array.from({ length: 40 }, (_, i) => `Sentence number ${i} is here, with some words.`).join(" ");

Deno.test("long text: split keeps every word, each piece within 549 bytes and ~27 s at the cps", () => {
  const pieces = splitText(long, "split", 15);
  assert.ok(pieces.length > 1);
  assert.equal(pieces.join(" "), long);
  for (const p of pieces) {
    assert.ok(bytes(p) <= MAX_TEXT_BYTES);
    assert.ok([...p].length <= 15 * 27);
    assert.match(p, /\.$/); // cut at sentence ends when sentences fit
  }
});

Deno.test("long text: a sentence longer than a piece splits at words; a huge word at characters, never mid-character", () => {
  const words = Array.from({ length: 200 }, () => "zażółć").join(" ");
  const pieces = splitText(words, "split", 15);
  assert.equal(pieces.join(" "), words);
  const word = "ż".repeat(600);
  const cut = splitText(word, "split", 15);
  assert.equal(cut.join(""), word);
  for (const p of cut) assert.ok(bytes(p) <= MAX_TEXT_BYTES);
});

Deno.test("long text: truncate cuts at a character boundary; fail names the row", () => {
  const [t] = splitText("ż".repeat(400), "truncate", 15);
  assert.equal(bytes(t), 548); // 274 two-byte characters; 549 would split one
  assert.throws(() => splitText("a".repeat(600), "fail", 15, "row 7"), (e) => e instanceof InputError && /^row 7: text is 600 bytes/.test(e.message));
  assert.throws(() => splitText("  \n ", "split", 15, "row 3"), /row 3: empty text/);
});
