// Checks a column chunk's page headers before hyparquet decodes it. hyparquet trusts the value counts in
// page headers: a damaged header that claims billions of values makes it loop for hours on a 500-byte file
// (found by scripts/fuzz.ts). A page must not claim more values than its column chunk holds, nor more than
// its bytes could encode, and must lie inside its chunk; and no run-length run in its levels or dictionary
// indices may repeat a value more often than the page has values (one run of 2^31 did the same).
import { snappyUncompress } from "hyparquet";
import { compressors } from "hyparquet-compressors";
import { InputError } from "../errors.ts";

/** Values a page of `bytes` bytes may claim: RLE can repeat one value, but never more than this per byte. */
const MAX_VALUES_PER_BYTE = 4096;

interface Reader {
  bytes: Uint8Array;
  pos: number;
}

function varint(r: Reader): bigint {
  let result = 0n, shift = 0n;
  for (;;) {
    if (r.pos >= r.bytes.length) throw new Error("page header runs past its chunk");
    const b = r.bytes[r.pos++];
    result |= BigInt(b & 0x7f) << shift;
    if (!(b & 0x80)) return result;
    shift += 7n;
    if (shift > 70n) throw new Error("page header has an overlong number");
  }
}

const zigzag = (v: bigint) => Number((v >> 1n) ^ -(v & 1n));

type Struct = Map<number, number | Struct>;

/** Thrift compact-protocol struct: integer fields and nested structs are kept, everything else skipped. */
function readStruct(r: Reader, depth = 0): Struct {
  if (depth > 8) throw new Error("page header nests too deeply");
  const out: Struct = new Map();
  let field = 0;
  for (;;) {
    if (r.pos >= r.bytes.length) throw new Error("page header runs past its chunk");
    const head = r.bytes[r.pos++];
    const type = head & 0x0f;
    if (type === 0) return out;
    const delta = head >> 4;
    field = delta ? field + delta : zigzag(varint(r));
    const value = readValue(r, type, depth);
    if (value !== undefined) out.set(field, value);
  }
}

function readValue(r: Reader, type: number, depth: number): number | Struct | undefined {
  switch (type) {
    case 1: // bool true (in the field header)
      return 1;
    case 2: // bool false
      return 0;
    case 3:
      r.pos++;
      return undefined;
    case 4: // i16
    case 5: // i32
    case 6: // i64
      return zigzag(varint(r));
    case 7:
      r.pos += 8;
      return undefined;
    case 8: // binary
      r.pos += Number(varint(r));
      return undefined;
    case 9: // list
    case 10: { // set
      const head = r.bytes[r.pos++];
      const size = head >> 4 === 15 ? Number(varint(r)) : head >> 4;
      if (size > r.bytes.length) throw new Error("page header has an impossible list length");
      for (let i = 0; i < size; i++) {
        if ((head & 0x0f) === 1 || (head & 0x0f) === 2) r.pos++;
        else readValue(r, head & 0x0f, depth + 1);
        if (r.pos > r.bytes.length) throw new Error("page header runs past its chunk");
      }
      return undefined;
    }
    case 11: { // map
      const size = Number(varint(r));
      if (size > r.bytes.length) throw new Error("page header has an impossible map length");
      if (size > 0) {
        const kv = r.bytes[r.pos++];
        for (let i = 0; i < size; i++) {
          readValue(r, kv >> 4, depth + 1);
          readValue(r, kv & 0x0f, depth + 1);
        }
      }
      return undefined;
    }
    case 12:
      return readStruct(r, depth + 1);
    default:
      throw new Error(`page header has unknown field type ${type}`);
  }
}

const num = (s: Struct | undefined, field: number): number | undefined => {
  const v = s?.get(field);
  return typeof v === "number" ? v : undefined;
};
const struct = (s: Struct, field: number): Struct | undefined => {
  const v = s.get(field);
  return v instanceof Map ? v : undefined;
};

/**
 * Walks the pages of one column chunk (its bytes, from its first page) and throws an InputError naming
 * `where` when a header is damaged or claims more values than the chunk or its own bytes allow.
 */
export interface ChunkInfo {
  /** Values in the chunk (column metadata num_values). */
  values: number;
  /** Page compression codec as hyparquet names it ("UNCOMPRESSED", "SNAPPY", ...). */
  codec: string;
  /** Definition level of a present value: 0 for a required column, 1 for an optional one. */
  maxDefinitionLevel: number;
}

export function checkColumnChunkPages(chunk: Uint8Array, info: ChunkInfo, where: string): void {
  const chunkValues = info.values;
  const r: Reader = { bytes: chunk, pos: 0 };
  let seen = 0;
  try {
    while (r.pos < chunk.length && seen < chunkValues) {
      const at = r.pos;
      const header = readStruct(r);
      const compressed = num(header, 3), uncompressed = num(header, 2);
      if (compressed === undefined || compressed < 0 || uncompressed === undefined || uncompressed < 0) {
        throw new Error(`page at byte ${at} has no valid size`);
      }
      if (r.pos + compressed > chunk.length) throw new Error(`page at byte ${at} runs past the end of its column chunk`);
      const v1 = struct(header, 5), dict = struct(header, 7), v2 = struct(header, 8);
      const values = num(v1, 1) ?? num(v2, 1);
      const budget = MAX_VALUES_PER_BYTE * (uncompressed + 8);
      if (values !== undefined) {
        if (values < 0 || seen + values > chunkValues) {
          throw new Error(`page at byte ${at} claims ${values} values, the column chunk holds ${chunkValues - seen} more`);
        }
        if (values > budget) throw new Error(`page at byte ${at} claims ${values} values in ${uncompressed} bytes`);
        const body = chunk.subarray(r.pos, r.pos + compressed);
        if (v2) checkPageV2(body, v2, values, uncompressed, info);
        else checkPageV1(body, num(v1, 2), values, uncompressed, info);
        seen += values;
      } else if (dict) {
        const entries = num(dict, 1) ?? 0;
        if (entries < 0 || entries > budget) throw new Error(`dictionary page at byte ${at} claims ${entries} entries in ${uncompressed} bytes`);
      }
      r.pos += compressed;
    }
    if (seen < chunkValues && r.pos >= chunk.length) throw new Error(`pages hold ${seen} of the chunk's ${chunkValues} values`);
  } catch (e) {
    throw new InputError(`${where}: damaged parquet page: ${(e as Error).message}`);
  }
}

const RLE_DICTIONARY = 8, PLAIN_DICTIONARY = 2;
const bitWidth = (n: number) => 32 - Math.clz32(n);

function decompress(bytes: Uint8Array, size: number, codec: string): Uint8Array {
  if (codec === "UNCOMPRESSED") return bytes;
  if (size > 1 << 30) throw new Error(`page claims ${size} uncompressed bytes`);
  const custom = (compressors as Record<string, (b: Uint8Array, n: number) => Uint8Array>)[codec];
  if (custom) return custom(bytes, size);
  if (codec === "SNAPPY") {
    const out = new Uint8Array(size);
    snappyUncompress(bytes, out);
    return out;
  }
  throw new Error(`unsupported compression codec ${codec}`);
}

/** Data page v1: [def levels: u32 length + RLE] [values]; all inside the compressed body. */
function checkPageV1(body: Uint8Array, encoding: number | undefined, values: number, size: number, info: ChunkInfo) {
  if (encoding === undefined) throw new Error("data page header lacks its encoding");
  const page = decompress(body, size, info.codec);
  let pos = 0;
  if (info.maxDefinitionLevel > 0) {
    if (page.length < 4) throw new Error("page too short for its definition levels");
    const len = new DataView(page.buffer, page.byteOffset, page.byteLength).getUint32(0, true);
    if (4 + len > page.length) throw new Error("definition levels run past the page");
    checkRuns(page.subarray(4, 4 + len), bitWidth(info.maxDefinitionLevel), values, "definition levels");
    pos = 4 + len;
  }
  if (encoding === RLE_DICTIONARY || encoding === PLAIN_DICTIONARY) checkDictionaryIndices(page.subarray(pos), values);
}

/** Data page v2: levels stored uncompressed before the (maybe compressed) values. */
function checkPageV2(body: Uint8Array, v2: Struct, values: number, size: number, info: ChunkInfo) {
  // Thrift-required fields: without them hyparquet guesses lengths from the page bytes.
  const rep = num(v2, 6), def = num(v2, 5), nulls = num(v2, 2), rows = num(v2, 3);
  if (rep === undefined || def === undefined || nulls === undefined || rows === undefined || num(v2, 4) === undefined) {
    throw new Error("data page v2 header lacks a required field");
  }
  if (nulls < 0 || nulls > values || rows < 0 || rows > values) throw new Error(`page claims ${nulls} nulls / ${rows} rows of ${values} values`);
  if (rep < 0 || def < 0 || rep + def > body.length) throw new Error("levels run past the page");
  if (info.maxDefinitionLevel > 0) checkRuns(body.subarray(rep, rep + def), bitWidth(info.maxDefinitionLevel), values, "definition levels");
  const encoding = num(v2, 4);
  if (encoding !== RLE_DICTIONARY && encoding !== PLAIN_DICTIONARY) return;
  const rest = body.subarray(rep + def);
  const compressed = num(v2, 7) !== 0;
  checkDictionaryIndices(compressed ? decompress(rest, size - rep - def, info.codec) : rest, values);
}

function checkDictionaryIndices(data: Uint8Array, values: number) {
  if (values === 0) return;
  if (data.length < 1) throw new Error("dictionary indices missing");
  const width = data[0];
  if (width > 32) throw new Error(`dictionary index width ${width} is impossible`);
  checkRuns(data.subarray(1), width, values, "dictionary indices");
}

/** RLE/bit-packed hybrid runs: no run may produce more values than the page has (bit-packing rounds to 8). */
function checkRuns(data: Uint8Array, width: number, values: number, what: string) {
  const r: Reader = { bytes: data, pos: 0 };
  let seen = 0;
  while (seen < values && r.pos < data.length) {
    const header = Number(varint(r));
    if (header & 1) {
      const count = (header >>> 1) * 8;
      if (count > values - seen + 7) throw new Error(`${what}: a bit-packed run of ${count} values in a page of ${values}`);
      r.pos += (header >>> 1) * width;
      seen += count;
    } else {
      const count = header >>> 1;
      if (count > values - seen) throw new Error(`${what}: a run of ${count} values in a page of ${values}`);
      r.pos += (width + 7) >> 3;
      seen += count;
    }
  }
}
