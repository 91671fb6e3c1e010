// TextSources over text formats, streamed line by line from a byte stream (a local file, a URL, or a string):
// CSV (records parsed by papaparse), JSONL, plain text (one item a line). Memory does not grow with the file.
// The first count() or read() makes a checking pass over the whole file (malformed rows, bad UTF-8, the columns,
// duplicate indices), so bad input stops a run before any work starts, as when files were read whole.
import Papa from "papaparse";
import { InputError } from "../errors.ts";
import { byteLines, type Line, type OpenBytes, stringBytes } from "./byte_lines.ts";
import { checkColumns, type ColumnNames, DuplicateGuard, toSourceRow } from "./rows.ts";
import type { ReadOptions, SourceRow, TextSource } from "./text_source.ts";

export type { OpenBytes } from "./byte_lines.ts";

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

/** One record of a file, before it becomes a SourceRow. */
interface RawRecord {
  record: Record<string, unknown>;
  /** 0-based row number (the index when the file has no index column). */
  row: number;
  /** Where the row is, for messages ("row 3", "line 4"), as a number `describe` turns into words. */
  position: number;
}

/** What the checking pass learnt. */
interface Scan {
  rows: number;
  hasIndex: boolean;
}

/** Records streamed from a file; subclasses say how lines become records and what the columns are. */
abstract class StreamedRecords implements TextSource {
  #scan?: Promise<Scan>;
  protected open: OpenBytes;

  /** `input`: the file's text, or a function that opens its bytes afresh. */
  constructor(readonly label: string, input: string | OpenBytes, protected names: ColumnNames) {
    this.open = typeof input === "string" ? stringBytes(input) : input;
  }

  /** Records in order; `columns` is called with the column names once they are known (before any record). */
  protected abstract records(lines: AsyncIterable<Line>, columns: (names: string[]) => void): AsyncIterable<RawRecord>;
  protected abstract describe(position: number): string;

  /** The checking pass: every row parsed and its index checked; nothing kept but counts and the guard. */
  #check(): Promise<Scan> {
    this.#scan ??= (async () => {
      let rows = 0, columns: string[] | undefined;
      // CSV knows its columns from the header, before any row: a missing text column is reported first.
      const known = (c: string[]) => {
        columns = c;
        checkColumns(this.label, c, this.names);
      };
      // Whether the index column exists is known only at the end for JSONL (any record may have it), so the
      // index of every record that has one is checked now, and a record without one is an error only if others have it.
      const guard = new DuplicateGuard(this.label, (p) => this.describe(p));
      let withIndex = 0, firstWithout: RawRecord | undefined;
      for await (const r of this.records(byteLines(this.label, this.open), known)) {
        rows++;
        if (this.names.index in r.record) {
          const row = toSourceRow(this.label, r.record, r.row, this.names, true, this.describe(r.position));
          guard.check(row.index, r.position);
          withIndex++;
        } else firstWithout ??= r;
      }
      if (!columns) known([]);
      const hasIndex = withIndex > 0;
      if (hasIndex && firstWithout) {
        toSourceRow(this.label, firstWithout.record, firstWithout.row, this.names, true, this.describe(firstWithout.position));
      }
      if (rows === 0) throw new InputError(`${this.label}: the file holds no rows`);
      return { rows, hasIndex };
    })();
    // A failed check is not remembered as a success, nor retried: every call reports the same error.
    return this.#scan;
  }

  unchecked(): boolean {
    return this.#scan === undefined;
  }

  async count(): Promise<number> {
    return (await this.#check()).rows;
  }

  read(options: ReadOptions = {}): AsyncIterable<SourceRow> {
    const fused = options.checkDuringRead && this.#scan === undefined && !options.only;
    return fused ? this.#checkingRead(options.signal) : this.#checkedRead(options);
  }

  async *#checkedRead(options: ReadOptions): AsyncIterable<SourceRow> {
    const { hasIndex } = await this.#check();
    const guard = new DuplicateGuard(this.label, (p) => this.describe(p));
    let wanted = options.only?.size;
    for await (const r of this.records(byteLines(this.label, this.open, options.signal), () => {})) {
      options.signal?.throwIfAborted();
      const row = toSourceRow(this.label, r.record, r.row, this.names, hasIndex, this.describe(r.position));
      guard.check(row.index, r.position);
      if (options.only && !options.only.has(row.index)) continue;
      yield row;
      // Every wanted index is found (indices are unique): the rest of the file has nothing for this read.
      if (wanted !== undefined && --wanted === 0) return;
    }
  }

  /**
   * A read that is also the checking pass (`checkDuringRead`: a resume reads the whole file once, not twice). Whether rows
   * carry the index column is taken from the first record: in a well-formed file all records agree, and one
   * that disagrees makes the file malformed, which the full checking pass then reports exactly as it would have.
   * Only a read that reaches the end counts as the check.
   */
  async *#checkingRead(signal?: AbortSignal): AsyncIterable<SourceRow> {
    let columns: string[] | undefined;
    const known = (c: string[]) => {
      columns = c;
      checkColumns(this.label, c, this.names);
    };
    const guard = new DuplicateGuard(this.label, (p) => this.describe(p));
    let rows = 0, hasIndex: boolean | undefined;
    for await (const r of this.records(byteLines(this.label, this.open, signal), known)) {
      signal?.throwIfAborted();
      const withIndex = this.names.index in r.record;
      hasIndex ??= withIndex;
      if (withIndex !== hasIndex) {
        await this.#check(); // throws the malformed file's own message
        throw new Error(`internal: ${this.label}: the checking pass accepted a file whose records disagree on "${this.names.index}"`);
      }
      rows++;
      const row = toSourceRow(this.label, r.record, r.row, this.names, hasIndex, this.describe(r.position));
      guard.check(row.index, r.position);
      yield row;
    }
    if (!columns) known([]);
    if (rows === 0) throw new InputError(`${this.label}: the file holds no rows`);
    this.#scan ??= Promise.resolve({ rows, hasIndex: hasIndex ?? false });
  }
}

/** How many CSV records papaparse gets at once (one call per record would cost more than the parsing). */
const CSV_BATCH = 512;
/** A quoted field may span lines, but not without end: an unterminated quote must not swallow the whole file. */
const MAX_CSV_RECORD_CHARS = 4 * 1024 * 1024;

export class CsvSource extends StreamedRecords {
  protected describe(position: number) {
    return `row ${position}`;
  }

  protected async *records(lines: AsyncIterable<Line>, columns: (names: string[]) => void): AsyncIterable<RawRecord> {
    let header: string[] | undefined;
    let newline: "\n" | "\r\n" | undefined;
    let dataRows = 0;
    let batch: string[] = [];
    const parse = (texts: string[]): RawRecord[] => {
      const firstRow = dataRows;
      const result = Papa.parse<string[]>(texts.join(newline), { header: false, newline });
      const bad = result.errors.find((e) => e.type === "Quotes");
      if (bad) throw new InputError(`${this.label}: row ${firstRow + (bad.row ?? 0) + 1}: malformed CSV: ${bad.message}`);
      const out: RawRecord[] = [];
      for (const fields of result.data) {
        if (fields.length === 1 && fields[0] === "") continue; // an empty line
        if (!header) {
          header = fields;
          columns(header);
          continue;
        }
        dataRows++;
        if (fields.length > header.length) {
          throw new InputError(`${this.label}: row ${dataRows}: malformed CSV: Too many fields: expected ${header.length} fields but parsed ${fields.length}`);
        }
        const record: Record<string, unknown> = {};
        header.forEach((name, i) => {
          if (i < fields.length) record[name] = fields[i];
        });
        out.push({ record, row: dataRows - 1, position: dataRows });
      }
      return out;
    };
    let pending = "", quoted = false;
    for await (const line of lines) {
      newline ??= line.text.endsWith("\r") ? "\r\n" : "\n";
      const text = newline === "\r\n" && line.text.endsWith("\r") ? line.text.slice(0, -1) : line.text;
      pending = pending === "" && !quoted ? text : pending + newline + text;
      quoted = endsInsideQuotes(text, quoted);
      if (quoted) {
        if (pending.length > MAX_CSV_RECORD_CHARS) {
          throw new InputError(`${this.label}: row ${dataRows + batch.length + (header ? 1 : 0)}: malformed CSV: a quoted field runs past ${MAX_CSV_RECORD_CHARS / 1024 / 1024} MiB (a quote never closed?)`);
        }
        continue;
      }
      if (pending !== "") batch.push(pending);
      pending = "";
      if (batch.length >= CSV_BATCH || !header) {
        yield* parse(batch);
        batch = [];
      }
    }
    if (quoted || pending !== "") batch.push(pending);
    if (batch.length > 0) yield* parse(batch);
    if (!header) columns([]);
  }
}

/** Whether a CSV line leaves a quoted field open, given whether it started inside one (RFC 4180 quoting). */
function endsInsideQuotes(line: string, quoted: boolean): boolean {
  if (!quoted && line.indexOf('"') < 0) return false;
  let i = 0;
  let fieldStart = !quoted;
  while (i < line.length) {
    if (quoted) {
      const q = line.indexOf('"', i);
      if (q < 0) return true;
      if (line[q + 1] === '"') i = q + 2;
      else {
        quoted = false;
        i = q + 1;
      }
      fieldStart = false;
      continue;
    }
    const c = line[i];
    if (fieldStart && c === '"') quoted = true;
    fieldStart = c === ",";
    i++;
  }
  return quoted;
}

export class JsonlSource extends StreamedRecords {
  protected describe(position: number) {
    return `line ${position}`;
  }

  protected async *records(lines: AsyncIterable<Line>, columns: (names: string[]) => void): AsyncIterable<RawRecord> {
    // The columns are every key seen (capped: a crafted file must not grow this without end).
    const keys = new Set<string>();
    let row = 0;
    for await (const { number, text } of lines) {
      if (text.trim() === "") continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (e) {
        throw new InputError(`${this.label}: line ${number}: not valid JSON: ${(e as Error).message}`);
      }
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        throw new InputError(`${this.label}: line ${number}: expected a JSON object per line`);
      }
      for (const k of Object.keys(value)) if (keys.size < 1000 || k === this.names.text) keys.add(k);
      yield { record: value as Record<string, unknown>, row: row++, position: number };
    }
    columns([...keys]);
  }
}

/** One item a line; the index is the 0-based line number (blank lines keep their number and are skipped). */
export class TextLinesSource extends StreamedRecords {
  protected describe(position: number) {
    return `line ${position}`;
  }

  protected async *records(lines: AsyncIterable<Line>, columns: (names: string[]) => void): AsyncIterable<RawRecord> {
    columns([this.names.text]);
    for await (const { number, text } of lines) {
      const t = text.endsWith("\r") ? text.slice(0, -1) : text;
      if (t.trim() === "") continue;
      yield { record: { [this.names.text]: t }, row: number - 1, position: number };
    }
  }
}
