// Row identity: before a resume does anything, every row counted as done must still have the text its tokens
// were made from. One that differs (rows inserted or edited in the dataset) is a hard stop naming the row.
import { InputError } from "../errors.ts";
import type { TextSource } from "../source/text_source.ts";
import type { DoneRows } from "./done_rows.ts";
import { textHash } from "./row_hash.ts";

export async function verifyDoneTexts(source: TextSource, done: DoneRows, signal?: AbortSignal): Promise<void> {
  if (done.size === 0) return;
  let seen = 0;
  for await (const row of source.read({ signal })) {
    if (!done.has(row.index)) continue;
    const recorded = done.hashOf(row.index);
    if (recorded !== undefined && !row.problem && recorded !== textHash(row.text)) {
      throw new InputError(`${source.label}: row ${row.index}: dataset changed since the output was written (the text ` +
        `differs from the one its tokens were made from); nothing was done: restore the dataset, or start a new job in another save_dir`);
    }
    if (recorded !== undefined && row.problem) {
      throw new InputError(`${source.label}: row ${row.index}: dataset changed since the output was written (${row.problem}); nothing was done`);
    }
    if (++seen === done.size) return;
  }
}
