// Writes combine's parquet file: streamed row group by row group to a temp file, fsynced, then renamed into
// place, so a reader never sees a partial file and a failed combine leaves nothing behind.
import { parquetWriteRows } from "hyparquet-writer";
import type { CombinedRow } from "../core/combine/combined_rows.ts";
import { soundTokens } from "../core/combine/sound_tokens.ts";
import { syncDir, uniqueTempName } from "./durable_file.ts";
import { ParquetFileWriter } from "./parquet_file_writer.ts";

export interface CombinedParquetOptions {
  /** Name of the text column (the dataset's). */
  textColumn: string;
  /** Adds ichigo's `<|sound_start|>...<|sound_end|>` string column `sound_tokens`. */
  soundTokens: boolean;
  rowsPerGroup: number;
}

const STRING = { type: "BYTE_ARRAY", converted_type: "UTF8", logical_type: { type: "STRING" }, repetition_type: "REQUIRED" };

function schemaOf(o: CombinedParquetOptions) {
  return [
    { name: "root", num_children: o.soundTokens ? 4 : 3 },
    { name: "index", type: "INT64", repetition_type: "REQUIRED" },
    { name: o.textColumn, ...STRING },
    { name: "tokens", repetition_type: "REQUIRED", num_children: 1, converted_type: "LIST", logical_type: { type: "LIST" } },
    { name: "list", repetition_type: "REPEATED", num_children: 1 },
    { name: "element", type: "INT32", repetition_type: "REQUIRED" },
    ...(o.soundTokens ? [{ name: "sound_tokens", ...STRING }] : []),
  ];
}

/** Writes `rows` to `path`; returns how many were written. */
export async function writeCombinedParquet(path: string, rows: AsyncIterable<CombinedRow>, o: CombinedParquetOptions): Promise<number> {
  let written = 0;
  async function* records() {
    for await (const r of rows) {
      written++;
      const record: Record<string, unknown> = { index: BigInt(r.index), [o.textColumn]: r.text, tokens: Array.from(r.tokens) };
      if (o.soundTokens) record.sound_tokens = soundTokens(r.tokens);
      yield record;
    }
  }
  const tmp = uniqueTempName(path);
  const file = await Deno.open(tmp, { write: true, create: true, truncate: true });
  try {
    await parquetWriteRows({
      writer: new ParquetFileWriter(file),
      rows: records(),
      columns: [{ name: "index" }, { name: o.textColumn }, { name: "tokens" }, ...(o.soundTokens ? [{ name: "sound_tokens" }] : [])],
      // deno-lint-ignore no-explicit-any
      schema: schemaOf(o) as any,
      rowGroupSize: o.rowsPerGroup,
    });
    await file.sync();
  } catch (e) {
    file.close();
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
  file.close();
  await Deno.rename(tmp, path);
  await syncDir(path.slice(0, path.lastIndexOf("/")) || ".");
  return written;
}
