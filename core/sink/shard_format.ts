// Encoding and decoding of shard files: audio_tokens_*.csv (index,tokens with tokens a quoted JSON int array,
// as the seed wrote it) or audio_tokens_*.parquet (index:int64, tokens:list<int32>), and failed_indices_*.json.
import { parquetReadObjects } from "hyparquet";
import { parquetWriteBuffer } from "hyparquet-writer";
import type { OutputFormat } from "../config/types.ts";
import type { EncodedItem, FailedItem } from "../types.ts";

export interface ShardRow {
  index: number;
  tokens: ArrayLike<number>;
}

const encoder = new TextEncoder();

export function encodeCsv(rows: ShardRow[]): Uint8Array {
  let out = "index,tokens\n";
  for (const r of rows) out += `${r.index},"[${Array.prototype.join.call(r.tokens, ",")}]"\n`;
  return encoder.encode(out);
}

/** Parses a shard written by encodeCsv; throws on anything else (a torn or edited file is not trusted). */
export function decodeCsv(bytes: Uint8Array): ShardRow[] {
  const text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  if (!text.startsWith("index,tokens\n")) throw new Error("missing the header line index,tokens");
  if (!text.endsWith("\n")) throw new Error("the last line is incomplete");
  const rows: ShardRow[] = [];
  const lines = text.slice("index,tokens\n".length, -1);
  if (lines === "") return rows;
  for (const [n, line] of lines.split("\n").entries()) {
    const m = line.match(/^(\d+),"\[([\d,]*)\]"$/);
    if (!m) throw new Error(`line ${n + 2} is not an index,"[tokens]" row`);
    rows.push({ index: Number(m[1]), tokens: m[2] === "" ? [] : m[2].split(",").map(Number) });
  }
  return rows;
}

const PARQUET_SCHEMA = [
  { name: "root", num_children: 2 },
  { name: "index", type: "INT64", repetition_type: "REQUIRED" },
  { name: "tokens", repetition_type: "REQUIRED", num_children: 1, converted_type: "LIST", logical_type: { type: "LIST" } },
  { name: "list", repetition_type: "REPEATED", num_children: 1 },
  { name: "element", type: "INT32", repetition_type: "REQUIRED" },
] as const;

export function encodeParquet(rows: ShardRow[]): Uint8Array {
  const buf = parquetWriteBuffer({
    columnData: [
      { name: "index", data: BigInt64Array.from(rows.map((r) => BigInt(r.index))) },
      { name: "tokens", data: rows.map((r) => Array.from(r.tokens)) },
    ],
    // deno-lint-ignore no-explicit-any
    schema: PARQUET_SCHEMA as any,
  });
  return new Uint8Array(buf);
}

export async function decodeParquet(bytes: Uint8Array): Promise<ShardRow[]> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const records = await parquetReadObjects({ file });
  return records.map((r) => ({ index: Number(r.index), tokens: r.tokens as number[] }));
}

export function encodeShard(format: OutputFormat, items: EncodedItem[]): Uint8Array {
  const rows = items.map((i) => ({ index: i.index, tokens: i.tokens }));
  return format === "csv" ? encodeCsv(rows) : encodeParquet(rows);
}

export function decodeShard(path: string, bytes: Uint8Array): Promise<ShardRow[]> {
  return path.endsWith(".parquet") ? decodeParquet(bytes) : Promise.resolve(decodeCsv(bytes));
}

/** failed_indices_*.json: a JSON array of ints (seed-compatible). */
export function encodeFailedIndices(items: FailedItem[]): Uint8Array {
  return encoder.encode(JSON.stringify(items.map((i) => i.index)) + "\n");
}

/** failed_details_*.json: why each row failed (the seed lost this). */
export function encodeFailedDetails(items: FailedItem[]): Uint8Array {
  return encoder.encode(JSON.stringify(items.map(({ index, error, attempts }) => ({ index, error, attempts })), null, 1) + "\n");
}

/** split_indices_*.json: rows made of several pieces, e.g. [{"index": 7, "pieces": 3}]. */
export function encodeSplitIndices(items: { index: number; pieces: number }[]): Uint8Array {
  return encoder.encode(JSON.stringify(items.map(({ index, pieces }) => ({ index, pieces }))) + "\n");
}

export function decodeJsonIndices(bytes: Uint8Array): number[] {
  const value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  if (!Array.isArray(value) || value.some((v) => !Number.isSafeInteger(v))) throw new Error("not a JSON list of integers");
  return value;
}
