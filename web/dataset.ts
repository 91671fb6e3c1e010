// A dropped or picked file (parquet, CSV, JSONL, plain text) or a Hub dataset -> the column list, a preview of
// the first rows, and a TextSource built with the same readers the CLI uses.
import { asyncBufferFromUrl, parquetMetadataAsync, parquetReadObjects, parquetSchema } from "hyparquet";
import { compressors } from "hyparquet-compressors";
import Papa from "papaparse";
import { InputError } from "../core/errors.ts";
import { CsvSource, decodeUtf8, JsonlSource, TextLinesSource } from "../core/source/delimited_source.ts";
import { listHubParquet, openHubDataset } from "../core/source/hf_dataset.ts";
import { ParquetSource } from "../core/source/parquet_source.ts";
import type { ColumnNames } from "../core/source/rows.ts";
import type { TextSource } from "../core/source/text_source.ts";

export const ROW_NUMBER = "(row number)";

export interface Dataset {
  label: string;
  /** What names this dataset in the output identity: file name, size and date, or hf:name/split. */
  identity: string;
  columns: string[];
  preview: Record<string, unknown>[];
  open(names: ColumnNames): Promise<TextSource>;
}

const kindOf = (name: string) => {
  const n = name.toLowerCase();
  if (n.endsWith(".parquet")) return "parquet";
  if (n.endsWith(".csv")) return "csv";
  if (n.endsWith(".jsonl") || n.endsWith(".ndjson")) return "jsonl";
  if (n.endsWith(".txt")) return "text";
  return undefined;
};

/** `identity` defaults to the file's name, size and date (a kept copy passes the original's). */
export async function openFile(file: File, identity = fileIdentity(file)): Promise<Dataset> {
  const kind = kindOf(file.name);
  if (!kind) throw new InputError(`${file.name}: unsupported file type (use .parquet, .csv, .jsonl or .txt)`);
  if (file.size === 0) throw new InputError(`${file.name}: the file is empty`);
  if (kind === "parquet") {
    const buffer = { byteLength: file.size, slice: (s: number, e?: number) => file.slice(s, e).arrayBuffer() };
    let columns: string[];
    let preview: Record<string, unknown>[];
    try {
      const metadata = await parquetMetadataAsync(buffer);
      columns = parquetSchema(metadata).children.map((c) => c.element.name);
      preview = await parquetReadObjects({ file: buffer, metadata, rowEnd: Math.min(5, Number(metadata.num_rows)), compressors });
    } catch (e) {
      throw new InputError(`${file.name}: not a readable parquet file: ${(e as Error).message}`);
    }
    return { label: file.name, identity, columns, preview, open: (names) => ParquetSource.open(file.name, [buffer], names) };
  }
  const text = decodeUtf8(file.name, new Uint8Array(await file.arrayBuffer()));
  if (kind === "text") {
    const lines = text.split(/\r?\n/).filter((l) => l.trim());
    return {
      label: file.name,
      identity,
      columns: ["text"],
      preview: lines.slice(0, 5).map((t) => ({ text: t })),
      open: () => Promise.resolve(new TextLinesSource(file.name, text, { text: "text", index: ROW_NUMBER })),
    };
  }
  if (kind === "csv") {
    const head = Papa.parse<Record<string, unknown>>(text, { header: true, preview: 5, skipEmptyLines: true });
    return {
      label: file.name,
      identity,
      columns: head.meta.fields ?? [],
      preview: head.data,
      open: (names) => Promise.resolve(new CsvSource(file.name, text, names)),
    };
  }
  const firstLines = text.split(/\r?\n/).filter((l) => l.trim()).slice(0, 5);
  const preview = firstLines.map((l, i) => {
    try {
      return JSON.parse(l) as Record<string, unknown>;
    } catch {
      throw new InputError(`${file.name}: line ${i + 1} is not JSON`);
    }
  });
  return {
    label: file.name,
    identity,
    columns: [...new Set(preview.flatMap((r) => Object.keys(r ?? {})))],
    preview,
    open: (names) => Promise.resolve(new JsonlSource(file.name, text, names)),
  };
}

export function fileIdentity(file: File): string {
  return `${file.name} (${file.size} bytes, modified ${new Date(file.lastModified).toISOString()})`;
}

export async function openHub(name: string, split: string, endpoint?: string): Promise<Dataset> {
  const label = `hf:${name}/${split}`;
  const urls = await listHubParquet(name, "default", split, { endpoint });
  let columns: string[];
  let preview: Record<string, unknown>[];
  try {
    const file = await asyncBufferFromUrl({ url: urls[0] });
    const metadata = await parquetMetadataAsync(file);
    columns = parquetSchema(metadata).children.map((c) => c.element.name);
    preview = await parquetReadObjects({ file, metadata, rowEnd: Math.min(5, Number(metadata.num_rows)), compressors });
  } catch (e) {
    throw new InputError(`${label}: cannot read its first parquet file: ${(e as Error).message}`);
  }
  return { label, identity: label, columns, preview, open: (names) => openHubDataset(name, "default", split, names, { endpoint }) };
}
