// Minimal reader for the zip archives torch.save writes: entries are STORED (uncompressed), so each entry is a
// view into the file's bytes, never a copy. Handles zip64 records (checkpoints over 4 GiB).
import { ModelError } from "../../core/errors.ts";

export interface ZipEntry {
  name: string;
  data: Uint8Array;
}

const EOCD = 0x06054b50;
const EOCD64_LOCATOR = 0x07064b50;
const EOCD64 = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

export function readZip(bytes: Uint8Array, label: string): Map<string, Uint8Array> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (why: string): never => {
    throw new ModelError(`${label}: not a valid checkpoint archive (${why}); the file may be truncated or damaged`);
  };
  const u16 = (o: number) => (o + 2 <= bytes.length ? view.getUint16(o, true) : fail("read past the end"));
  const u32 = (o: number) => (o + 4 <= bytes.length ? view.getUint32(o, true) : fail("read past the end"));
  const u64 = (o: number) => {
    const v = o + 8 <= bytes.length ? view.getBigUint64(o, true) : fail("read past the end");
    return v > BigInt(Number.MAX_SAFE_INTEGER) ? fail("offset too large") : Number(v);
  };

  // End of central directory: last 22 bytes + up to 64 KiB of comment.
  let eocd = -1;
  for (let o = bytes.length - 22; o >= Math.max(0, bytes.length - 22 - 65535); o--) {
    if (view.getUint32(o, true) === EOCD) {
      eocd = o;
      break;
    }
  }
  if (eocd < 0) fail("no end-of-archive record");
  let count = u16(eocd + 10);
  let cdSize = u32(eocd + 12);
  let cdOffset = u32(eocd + 16);
  if (cdOffset === 0xffffffff || count === 0xffff) {
    const loc = eocd - 20;
    if (loc < 0 || u32(loc) !== EOCD64_LOCATOR) fail("zip64 locator missing");
    const rec = u64(loc + 8);
    if (u32(rec) !== EOCD64) fail("zip64 record missing");
    count = u64(rec + 32);
    cdSize = u64(rec + 40);
    cdOffset = u64(rec + 48);
  }
  if (cdOffset + cdSize > bytes.length) fail("central directory past the end");

  const entries = new Map<string, Uint8Array>();
  const dec = new TextDecoder();
  let p = cdOffset;
  for (let i = 0; i < count; i++) {
    if (u32(p) !== CENTRAL) fail(`bad central directory entry ${i}`);
    const method = u16(p + 10);
    let compSize = u32(p + 20);
    let size = u32(p + 24);
    const nameLen = u16(p + 28), extraLen = u16(p + 30), commentLen = u16(p + 32);
    let localOffset = u32(p + 42);
    if (p + 46 + nameLen > bytes.length) fail("entry name past the end");
    const name = dec.decode(bytes.subarray(p + 46, p + 46 + nameLen));
    // zip64 extended information (id 0x0001): present fields follow in a fixed order.
    let e = p + 46 + nameLen;
    const extraEnd = e + extraLen;
    while (e + 4 <= extraEnd) {
      const id = u16(e), len = u16(e + 2);
      if (id === 1) {
        let q = e + 4;
        if (size === 0xffffffff) (size = u64(q)), (q += 8);
        if (compSize === 0xffffffff) (compSize = u64(q)), (q += 8);
        if (localOffset === 0xffffffff) localOffset = u64(q);
      }
      e += 4 + len;
    }
    if (method !== 0) fail(`entry ${name} is compressed (method ${method}); torch.save archives are stored`);
    if (u32(localOffset) !== LOCAL) fail(`entry ${name}: bad local header`);
    const start = localOffset + 30 + u16(localOffset + 26) + u16(localOffset + 28);
    if (start + size > bytes.length) fail(`entry ${name} is cut short`);
    entries.set(name, bytes.subarray(start, start + size));
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}
