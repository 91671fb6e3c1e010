// TextSource over a parquet file (local or remote) through hyparquet, one row group at a time.
import { type AsyncBuffer, parquetMetadataAsync, parquetReadObjects, parquetSchema } from "hyparquet";
import { compressors } from "hyparquet-compressors";
import { InputError } from "../errors.ts";
import { checkColumnChunkPages } from "./parquet_pages.ts";
import { checkColumns, type ColumnNames, DuplicateGuard, toSourceRow } from "./rows.ts";
import type { SourceRow, TextSource } from "./text_source.ts";

type Metadata = Awaited<ReturnType<typeof parquetMetadataAsync>>;

/** Rows decoded into objects at once. */
const ROWS_PER_SLICE = 10_000;

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
        // Decoded a slice at a time: a row group may hold millions of rows, which must not all be objects at once.
        for (let sliceStart = rowStart; sliceStart < rowEnd; sliceStart += ROWS_PER_SLICE) {
          const sliceEnd = Math.min(rowEnd, sliceStart + ROWS_PER_SLICE);
          let records: Record<string, unknown>[];
          try {
            records = await parquetReadObjects({ file: checked, metadata: meta, columns: wanted, rowStart: sliceStart, rowEnd: sliceEnd, compressors });
          } catch (e) {
            throw new InputError(`${this.label}: ${rows}: cannot read parquet data: ${(e as Error).message}`);
          }
          for (const record of records) {
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
