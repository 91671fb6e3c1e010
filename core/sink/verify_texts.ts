// Row identity: before a resume does anything, every row counted as done must still have the text its tokens
// were made from. One that differs (rows inserted or edited in the dataset) is a hard stop naming the row.
import { InputError } from "../errors.ts";
import type { TextSource } from "../source/text_source.ts";
import type { DoneRows } from "./done_rows.ts";
import { textHash } from "./row_hash.ts";

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
  for await (const row of source.read({ signal })) {
    if (failed.has(row.index)) seen.failed++;
    if (!done.has(row.index)) continue;
    const recorded = done.hashOf(row.index);
    if (recorded !== undefined && !row.problem && recorded !== textHash(row.text)) {
      throw new InputError(`${source.label}: row ${row.index}: dataset changed since the output was written (the text ` +
        `differs from the one its tokens were made from); nothing was done: restore the dataset, or start a new job in another save_dir`);
    }
    if (recorded !== undefined && row.problem) {
      throw new InputError(`${source.label}: row ${row.index}: dataset changed since the output was written (${row.problem}); nothing was done`);
    }
    if (++seen.done === done.size && seen.failed === failed.size) break;
  }
  return seen;
}
