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

/**
 * Guards against duplicate indices: output is keyed by index, so two rows with one index cannot both be kept.
 * Memory stays small for the usual datasets: rows whose index grows by one while their position (row or line
 * number) grows by one form a run of three numbers, however long; only rows that come out of order are kept
 * one by one. Positions are numbers; `describe` turns one into words for the message ("row 12", "line 13").
 */
export class DuplicateGuard {
  /** Runs in increasing index order: [first index, first position, length] per run. */
  #runs = new Float64Array(3 * 16);
  #nRuns = 0;
  /** The largest index seen; a larger one cannot be a duplicate. */
  #max = -1;
  /** Indices that came after a larger one, with their positions. */
  #outOfOrder = new Map<number, number>();

  constructor(readonly label: string, readonly describe: (position: number) => string = (p) => `row ${p}`) {}

  check(index: number, position: number) {
    if (index > this.#max) {
      this.#append(index, position);
      this.#max = index;
      return;
    }
    const first = this.#outOfOrder.get(index) ?? this.#inRuns(index);
    if (first !== undefined) {
      throw new InputError(
        `${this.label}: ${this.describe(position)}: duplicate index ${index} (first seen at ${this.describe(first)}); indices must be unique`,
      );
    }
    this.#outOfOrder.set(index, position);
  }

  #append(index: number, position: number) {
    const r = this.#runs, last = 3 * (this.#nRuns - 1);
    if (this.#nRuns > 0 && r[last] + r[last + 2] === index && r[last + 1] + r[last + 2] === position) {
      r[last + 2]++;
      return;
    }
    if (3 * (this.#nRuns + 1) > r.length) {
      this.#runs = new Float64Array(r.length * 2);
      this.#runs.set(r);
    }
    this.#runs.set([index, position, 1], 3 * this.#nRuns++);
  }

  /** The position at which `index` was seen, by binary search over the runs. */
  #inRuns(index: number): number | undefined {
    const r = this.#runs;
    let lo = 0, hi = this.#nRuns - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1, start = r[3 * mid];
      if (index < start) hi = mid - 1;
      else if (index >= start + r[3 * mid + 2]) lo = mid + 1;
      else return r[3 * mid + 1] + (index - start);
    }
    return undefined;
  }
}
