// TextSource over a parquet file (local or remote) through hyparquet, one row group at a time.
import { type AsyncBuffer, parquetMetadataAsync, parquetReadObjects, parquetSchema } from "hyparquet";
import { compressors } from "hyparquet-compressors";
import { InputError } from "../errors.ts";
import { checkColumns, type ColumnNames, DuplicateGuard, toSourceRow } from "./rows.ts";
import type { SourceRow, TextSource } from "./text_source.ts";

type Metadata = Awaited<ReturnType<typeof parquetMetadataAsync>>;

/** Several parquet files read as one dataset (a Hub split is often sharded), in order. */
export class ParquetSource implements TextSource {
  #metas: Metadata[] = [];

  private constructor(readonly label: string, readonly files: AsyncBuffer[], readonly names: ColumnNames) {}

  static async open(label: string, files: AsyncBuffer[], names: ColumnNames): Promise<ParquetSource> {
    const source = new ParquetSource(label, files, names);
    for (const [i, file] of files.entries()) {
      const where = files.length > 1 ? `${label} (file ${i + 1} of ${files.length})` : label;
      let meta: Metadata;
      try {
        meta = await parquetMetadataAsync(file);
      } catch (e) {
        throw new InputError(`${where}: not a readable parquet file: ${(e as Error).message}`);
      }
      const columns = parquetSchema(meta).children.map((c) => c.element.name);
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
        let records: Record<string, unknown>[];
        try {
          records = await parquetReadObjects({ file, metadata: meta, columns: wanted, rowStart, rowEnd, compressors });
        } catch (e) {
          throw new InputError(`${this.label}: rows ${rowNumber}..${rowNumber + rowEnd - rowStart - 1}: cannot read parquet data: ${(e as Error).message}`);
        }
        for (const record of records) {
          const row = toSourceRow(this.label, record, rowNumber, this.names, hasIndex);
          guard.check(row.index, `row ${rowNumber}`);
          rowNumber++;
          if (!options.only || options.only.has(row.index)) yield row;
        }
        rowStart = rowEnd;
      }
    }
  }
}
