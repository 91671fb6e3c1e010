// Row identity: before a resume does anything, every row counted as done must still have the text its tokens
// were made from. One that differs (rows inserted or edited in the dataset) is a hard stop naming the row.
import { InputError } from "../errors.ts";
import type { TextSource } from "../source/text_source.ts";
import type { DoneRows } from "./done_rows.ts";

/** Also counts how many of the dataset's rows are done and how many failed earlier (`failed`), so the run knows
 * exactly what is left (done rows whose index left the dataset do not count as skipped). */
export async function verifyDoneTexts(
  source: TextSource,
  done: DoneRows,
  failed: ReadonlySet<number>,
  signal?: AbortSignal,
): Promise<{ done: number; failed: number }> {
  const seen = { done: 0, failed: 0 };
  if (done.size === 0 && failed.size === 0) return seen;
  // A source that still owes its checking pass makes it during a read that runs to the end: read on, so the run
  // needs no second pass, and report a changed row only after the file proved well-formed (a malformed file gets
  // the message it would get in a fresh run).
  const toEnd = source.unchecked?.() === true;
  let changed: InputError | undefined;
  for await (const row of source.read({ signal, checkDuringRead: toEnd })) {
    if (failed.has(row.index)) seen.failed++;
    if (!done.has(row.index)) continue;
    const same = done.sameText(row.index, row.text);
    if (same !== undefined && (row.problem || !same)) {
      changed ??= new InputError(`${source.label}: row ${row.index}: dataset changed since the output was written (` +
        (row.problem ?? "the text differs from the one its tokens were made from") +
        `); nothing was done: restore the dataset, or start a new job in another save_dir`);
      if (!toEnd) throw changed;
    }
    if (++seen.done === done.size && seen.failed === failed.size && !toEnd) break;
  }
  if (changed) throw changed;
  return seen;
}
