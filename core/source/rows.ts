// Turning raw records (objects from any format) into SourceRows: column lookup, index, text checks.
import { InputError } from "../errors.ts";
import type { SourceRow } from "./text_source.ts";

export interface ColumnNames {
  text: string;
  index: string;
}

/** Longer texts are refused per row: no prompt is this long, and such a cell is almost always a data error. */
export const MAX_TEXT_CHARS = 100_000;

/** Checks that the text column exists (the index column is optional: row numbers stand in). */
export function checkColumns(label: string, columns: string[], names: ColumnNames): { hasIndex: boolean } {
  if (!columns.includes(names.text)) {
    throw new InputError(
      `${label}: no text column "${names.text}"; columns are: ${columns.join(", ") || "(none)"} ` +
        `(set dataset.text_column)`,
    );
  }
  return { hasIndex: columns.includes(names.index) };
}

/** One record -> SourceRow. `rowNumber` is 0-based; `where` names the row for messages ("row 12", "line 13"). */
export function toSourceRow(
  label: string,
  record: Record<string, unknown>,
  rowNumber: number,
  names: ColumnNames,
  hasIndex: boolean,
  where = `row ${rowNumber}`,
): SourceRow {
  let index = rowNumber;
  if (hasIndex) {
    const raw = record[names.index];
    const n = typeof raw === "bigint" ? Number(raw) : typeof raw === "string" && raw.trim() !== "" ? Number(raw) : raw;
    if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) {
      throw new InputError(`${label}: ${where}: index column "${names.index}" holds ${JSON.stringify(String(raw))}, not a non-negative integer`);
    }
    index = n;
  }
  const text = record[names.text];
  if (typeof text !== "string") {
    return { index, text: "", problem: `${label}: ${where}: text is ${text === null || text === undefined ? "missing" : `not a string (${typeof text})`}` };
  }
  if (text.trim() === "") return { index, text, problem: `${label}: ${where}: text is empty` };
  if (text.length > MAX_TEXT_CHARS) {
    return { index, text: "", problem: `${label}: ${where}: text is ${text.length} characters; the limit is ${MAX_TEXT_CHARS}` };
  }
  return { index, text };
}

/** Guards against duplicate indices: output is keyed by index, so two rows with one index cannot both be kept. */
export class DuplicateGuard {
  #seen = new Map<number, string>();
  constructor(readonly label: string) {}
  check(index: number, where: string) {
    const first = this.#seen.get(index);
    if (first !== undefined) {
      throw new InputError(`${this.label}: ${where}: duplicate index ${index} (first seen at ${first}); indices must be unique`);
    }
    this.#seen.set(index, where);
  }
}
