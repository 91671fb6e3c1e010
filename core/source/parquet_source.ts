// TextSource over a parquet file (local or remote) through hyparquet, one row group at a time.
import { type AsyncBuffer, parquetMetadataAsync, parquetRead, parquetSchema } from "hyparquet";
import { compressors } from "hyparquet-compressors";
import { InputError } from "../errors.ts";
import { checkColumnChunkPages } from "./parquet_pages.ts";
import { checkColumns, type ColumnNames, DuplicateGuard, toSourceRow } from "./rows.ts";
import type { SourceRow, TextSource } from "./text_source.ts";

type Metadata = Awaited<ReturnType<typeof parquetMetadataAsync>>;

/** Decoded column data held at once (a slice of a row group), and the most rows in one slice. Columns are
 * decoded as arrays, not row objects: fewer allocations, and the heap (peak RSS) stays smaller. */
const SLICE_BYTES = 2 * 2 ** 20;
const MAX_SLICE_ROWS = 10_000;

/** Rows per slice of a row group whose wanted columns take `bytes` uncompressed. */
export function sliceRows(groupRows: number, bytes: number): number {
  const fit = bytes > 0 ? Math.floor((SLICE_BYTES * groupRows) / bytes) : groupRows;
  return Math.max(1, Math.min(MAX_SLICE_ROWS, groupRows, Math.max(100, fit)));
}

/** Several parquet files read as one dataset (a Hub split is often sharded), in order. */
export class ParquetSource implements TextSource {
  #metas: Metadata[] = [];

  private constructor(readonly label: string, readonly files: AsyncBuffer[], readonly names: ColumnNames) {}

  static async open(label: string, files: AsyncBuffer[], names: ColumnNames): Promise<ParquetSource> {
    const source = new ParquetSource(label, files, names);
    for (const [i, file] of files.entries()) {
      const where = files.length > 1 ? `${label} (file ${i + 1} of ${files.length})` : label;
      let meta: Metadata;
      let columns: string[];
      try {
        meta = await parquetMetadataAsync(file);
        columns = parquetSchema(meta).children.map((c) => c.element.name);
      } catch (e) {
        throw new InputError(`${where}: not a readable parquet file: ${(e as Error).message}`);
      }
      checkColumns(where, columns, names);
      source.#metas.push(meta);
    }
    return source;
  }

  count(): Promise<number> {
    return Promise.resolve(this.#metas.reduce((n, m) => n + Number(m.num_rows), 0));
  }

  async *read(options: { only?: ReadonlySet<number>; signal?: AbortSignal } = {}): AsyncIterable<SourceRow> {
    const guard = new DuplicateGuard(this.label);
    let rowNumber = 0;
    for (const [f, file] of this.files.entries()) {
      const meta = this.#metas[f];
      const columns = parquetSchema(meta).children.map((c) => c.element.name);
      const { hasIndex } = checkColumns(this.label, columns, this.names);
      const wanted = hasIndex ? [this.names.index, this.names.text] : [this.names.text];
      let rowStart = 0;
      for (const group of meta.row_groups) {
        options.signal?.throwIfAborted();
        const rowEnd = rowStart + Number(group.num_rows);
        const rows = `rows ${rowNumber}..${rowNumber + rowEnd - rowStart - 1}`;
        let checked: AsyncBuffer;
        try {
          checked = await checkedRowGroup(file, meta, group, wanted, `${this.label}: ${rows}`);
        } catch (e) {
          if (e instanceof InputError) throw e;
          throw new InputError(`${this.label}: ${rows}: cannot read parquet data: ${(e as Error).message}`);
        }
        // Decoded a slice at a time: a row group may hold millions of rows, which must not all be decoded at once.
        const bytes = group.columns.reduce((n, c) => n + (c.meta_data && wanted.includes(c.meta_data.path_in_schema.join(".")) ? Number(c.meta_data.total_uncompressed_size) : 0), 0);
        const step = sliceRows(rowEnd - rowStart, bytes);
        for (let sliceStart = rowStart; sliceStart < rowEnd; sliceStart += step) {
          const sliceEnd = Math.min(rowEnd, sliceStart + step);
          let slice: Map<string, ColumnPart[]>;
          try {
            slice = await readSlice(checked, meta, wanted, sliceStart, sliceEnd);
          } catch (e) {
            throw new InputError(`${this.label}: ${rows}: cannot read parquet data: ${(e as Error).message}`);
          }
          const cursors = wanted.map((name) => columnCursor(slice.get(name) ?? [], `${this.label}: ${rows}: column ${name}`));
          for (let r = sliceStart; r < sliceEnd; r++) {
            const record: Record<string, unknown> = {};
            wanted.forEach((name, c) => (record[name] = cursors[c](r)));
            const row = toSourceRow(this.label, record, rowNumber, this.names, hasIndex);
            guard.check(row.index, rowNumber);
            rowNumber++;
            if (!options.only || options.only.has(row.index)) yield row;
          }
        }
        rowStart = rowEnd;
      }
    }
  }
}

type RowGroup = Metadata["row_groups"][number];

/** Decoded values of one column for rows start.. of the file's rows (a page's worth or more). */
interface ColumnPart {
  start: number;
  values: ArrayLike<unknown>;
}

/** Rows start..end of the wanted columns, as hyparquet's decoded column parts (which may reach past the range). */
async function readSlice(file: AsyncBuffer, metadata: Metadata, columns: string[], start: number, end: number) {
  const parts = new Map<string, ColumnPart[]>();
  await parquetRead({
    file,
    metadata,
    columns,
    rowStart: start,
    rowEnd: end,
    compressors,
    onChunk: (c) => {
      const list = parts.get(c.columnName) ?? [];
      list.push({ start: c.rowStart, values: c.columnData as ArrayLike<unknown> });
      parts.set(c.columnName, list);
    },
  });
  return parts;
}

/** The value at file row r, for rows asked in increasing order. */
function columnCursor(parts: ColumnPart[], where: string): (r: number) => unknown {
  parts.sort((a, b) => a.start - b.start);
  let at = 0;
  return (r) => {
    while (at < parts.length && r >= parts[at].start + parts[at].values.length) at++;
    const part = parts[at];
    if (!part || r < part.start) throw new InputError(`${where}: cannot read parquet data: row ${r} is missing from the decoded pages`);
    return part.values[r - part.start];
  };
}

/**
 * Fetches the wanted column chunks of one row group once (one range request each when remote), checks their
 * page headers, and returns a buffer that serves hyparquet's reads of those chunks from memory.
 */
async function checkedRowGroup(file: AsyncBuffer, meta: Metadata, group: RowGroup, wanted: string[], where: string): Promise<AsyncBuffer> {
  const held: { start: number; end: number; bytes: Uint8Array }[] = [];
  for (const column of group.columns) {
    const m = column.meta_data;
    if (!m || !wanted.includes(m.path_in_schema.join("."))) continue;
    const start = Number(m.dictionary_page_offset ?? m.data_page_offset);
    const end = start + Number(m.total_compressed_size);
    if (start < 0 || end > file.byteLength || end < start) {
      throw new InputError(`${where}: column ${m.path_in_schema.join(".")}: chunk bytes ${start}..${end} lie outside the ${file.byteLength}-byte file`);
    }
    const bytes = new Uint8Array(await file.slice(start, end));
    const element = meta.schema.find((e) => e.name === m.path_in_schema[m.path_in_schema.length - 1]);
    const info = { values: Number(m.num_values), codec: m.codec, maxDefinitionLevel: element?.repetition_type === "REQUIRED" ? 0 : 1 };
    checkColumnChunkPages(bytes, info, `${where}: column ${m.path_in_schema.join(".")}`);
    held.push({ start, end, bytes });
  }
  return {
    byteLength: file.byteLength,
    slice(s: number, e?: number) {
      const end = e ?? file.byteLength;
      const hit = held.find((h) => s >= h.start && end <= h.end);
      if (!hit) return file.slice(s, e);
      return hit.bytes.slice(s - hit.start, end - hit.start).buffer;
    },
  };
}
