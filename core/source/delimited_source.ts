// TextSources over text formats held in memory: CSV (papaparse), JSONL, plain text (one item a line).
import Papa from "papaparse";
import { InputError } from "../errors.ts";
import { checkColumns, type ColumnNames, DuplicateGuard, toSourceRow } from "./rows.ts";
import type { SourceRow, TextSource } from "./text_source.ts";

/** Decodes UTF-8 strictly: a file that is not UTF-8 gets a clear message, not mojibake. */
export function decodeUtf8(label: string, bytes: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    // Locate the first bad byte through the replacement character of a lenient decode.
    const lenient = new TextDecoder("utf-8").decode(bytes);
    const at = lenient.indexOf("\uFFFD");
    const line = lenient.slice(0, Math.max(0, at)).split("\n").length;
    throw new InputError(`${label}: not valid UTF-8 text (near line ${line}); re-encode the file as UTF-8`);
  }
}

/** Rows parsed eagerly from text; fine for the file sizes these formats are used with. */
abstract class InMemorySource implements TextSource {
  #rows?: SourceRow[];
  constructor(readonly label: string, protected text: string, protected names: ColumnNames) {}
  protected abstract parse(): SourceRow[];
  #all(): SourceRow[] {
    if (!this.#rows) {
      const rows = this.parse();
      if (rows.length === 0) throw new InputError(`${this.label}: the file holds no rows`);
      this.#rows = rows;
    }
    return this.#rows;
  }
  count(): Promise<number> {
    return Promise.resolve(this.#all().length);
  }
  async *read(options: { only?: ReadonlySet<number>; signal?: AbortSignal } = {}): AsyncIterable<SourceRow> {
    for (const row of this.#all()) {
      options.signal?.throwIfAborted();
      if (!options.only || options.only.has(row.index)) yield row;
    }
  }
}

export class CsvSource extends InMemorySource {
  protected parse(): SourceRow[] {
    const result = Papa.parse<Record<string, unknown>>(this.text, { header: true, skipEmptyLines: true });
    const bad = result.errors.find((e) => e.type === "Quotes" || e.code === "TooManyFields");
    if (bad) {
      throw new InputError(`${this.label}: row ${(bad.row ?? 0) + 1}: malformed CSV: ${bad.message}`);
    }
    const { hasIndex } = checkColumns(this.label, result.meta.fields ?? [], this.names);
    const guard = new DuplicateGuard(this.label);
    // Data rows start on line 2 (after the header); report 1-based data row numbers.
    return result.data.map((record, i) => {
      const row = toSourceRow(this.label, record, i, this.names, hasIndex, `row ${i + 1}`);
      guard.check(row.index, `row ${i + 1}`);
      return row;
    });
  }
}

export class JsonlSource extends InMemorySource {
  protected parse(): SourceRow[] {
    const records: { record: Record<string, unknown>; line: number }[] = [];
    const lines = this.text.split(/\r?\n/);
    lines.forEach((line, i) => {
      if (line.trim() === "") return;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (e) {
        throw new InputError(`${this.label}: line ${i + 1}: not valid JSON: ${(e as Error).message}`);
      }
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        throw new InputError(`${this.label}: line ${i + 1}: expected a JSON object per line`);
      }
      records.push({ record: value as Record<string, unknown>, line: i + 1 });
    });
    if (records.length === 0) return [];
    const columns = [...new Set(records.flatMap((r) => Object.keys(r.record)))];
    const { hasIndex } = checkColumns(this.label, columns, this.names);
    const guard = new DuplicateGuard(this.label);
    return records.map(({ record, line }, i) => {
      const row = toSourceRow(this.label, record, i, this.names, hasIndex, `line ${line}`);
      guard.check(row.index, `line ${line}`);
      return row;
    });
  }
}

/** One item a line; the index is the 0-based line number (blank lines keep their number and are skipped). */
export class TextLinesSource extends InMemorySource {
  protected parse(): SourceRow[] {
    const rows: SourceRow[] = [];
    this.text.split(/\r?\n/).forEach((line, i) => {
      if (line.trim() !== "") rows.push({ index: i, text: line });
    });
    return rows;
  }
}
