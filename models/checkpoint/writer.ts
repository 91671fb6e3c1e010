// Writes checkpoints in the original formats: torch.save's zip layout (pickle protocol 2, OrderedDict state
// dicts, _rebuild_tensor_v2 + persistent-id storages) and .safetensors. Used for demo models and by tests.

export type TensorDataType = "float32" | "float16" | "int64";

export class TensorSpec {
  constructor(
    readonly dtype: TensorDataType,
    readonly shape: number[],
    /** float32 values (for float16 they are rounded to half), or bigint/number values for int64. */
    readonly values: ArrayLike<number>,
  ) {}
}

export const f32 = (shape: number[], values: ArrayLike<number>) => new TensorSpec("float32", shape, values);
export const f16 = (shape: number[], values: ArrayLike<number>) => new TensorSpec("float16", shape, values);
export const i64 = (shape: number[], values: ArrayLike<number>) => new TensorSpec("int64", shape, values);

/** Python tuples are written as tuples; arrays as lists. */
export class PyTuple {
  constructor(readonly items: unknown[]) {}
}

/** An ordered dict written the way torch.save writes state dicts (collections.OrderedDict). */
export class OrderedDict {
  constructor(readonly entries: [string, unknown][]) {}
}

export function floatToHalf(v: number): number {
  const f = new Float32Array([v]);
  const x = new Uint32Array(f.buffer)[0];
  const sign = (x >>> 16) & 0x8000;
  const e = ((x >>> 23) & 0xff) - 127 + 15;
  let m = x & 0x7fffff;
  if (((x >>> 23) & 0xff) === 0xff) return sign | 0x7c00 | (m ? 0x200 : 0);
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    m |= 0x800000;
    const shift = 14 - e;
    let h = m >> shift;
    if ((m >> (shift - 1)) & 1 && ((m & ((1 << (shift - 1)) - 1)) || h & 1)) h++;
    return sign | h;
  }
  let h = sign | (e << 10) | (m >> 13);
  if (m & 0x1000 && (m & 0x2fff)) h++;
  return h;
}

function tensorBytes(t: TensorSpec): Uint8Array {
  const n = t.values.length;
  if (t.dtype === "float32") return new Uint8Array(Float32Array.from(t.values).buffer);
  if (t.dtype === "int64") return new Uint8Array(BigInt64Array.from(Array.from(t.values, (v) => BigInt(v))).buffer);
  const out = new Uint16Array(n);
  for (let i = 0; i < n; i++) out[i] = floatToHalf(t.values[i]);
  return new Uint8Array(out.buffer);
}

class PickleWriter {
  out: number[] = [];
  memo = 0;
  storages: Uint8Array[] = [];
  byte(...b: number[]) {
    this.out.push(...b);
  }
  u32(v: number) {
    this.byte(v & 255, (v >> 8) & 255, (v >> 16) & 255, (v >>> 24) & 255);
  }
  put() {
    // BINPUT / LONG_BINPUT, as pickle does after most objects.
    if (this.memo < 256) this.byte(0x71, this.memo++);
    else (this.byte(0x72), this.u32(this.memo++));
  }
  str(s: string) {
    const b = new TextEncoder().encode(s);
    this.byte(0x58);
    this.u32(b.length);
    this.byte(...b);
    this.put();
  }
  global(module: string, name: string) {
    this.byte(0x63, ...new TextEncoder().encode(`${module}\n${name}\n`));
    this.put();
  }
  int(v: number) {
    if (v >= 0 && v < 256) this.byte(0x4b, v);
    else if (v >= 0 && v < 65536) this.byte(0x4d, v & 255, v >> 8);
    else if (v >= -(2 ** 31) && v < 2 ** 31) (this.byte(0x4a), this.u32(v >>> 0));
    else {
      let x = BigInt(v);
      const bytes: number[] = [];
      for (let i = 0; i < 8; i++) (bytes.push(Number(x & 255n)), (x >>= 8n));
      this.byte(0x8a, 8, ...bytes);
    }
  }
  float(v: number) {
    const dv = new DataView(new ArrayBuffer(8));
    dv.setFloat64(0, v, false);
    this.byte(0x47, ...new Uint8Array(dv.buffer));
  }
  value(v: unknown) {
    if (v === null || v === undefined) this.byte(0x4e);
    else if (v === true) this.byte(0x88);
    else if (v === false) this.byte(0x89);
    else if (typeof v === "number") Number.isInteger(v) ? this.int(v) : this.float(v);
    else if (typeof v === "string") this.str(v);
    else if (v instanceof TensorSpec) this.tensor(v);
    else if (v instanceof PyTuple) this.tuple(v.items);
    else if (v instanceof OrderedDict) {
      this.global("collections", "OrderedDict");
      this.byte(0x29, 0x52); // () REDUCE
      this.put();
      this.items(v.entries);
    } else if (Array.isArray(v)) {
      this.byte(0x5d);
      this.put();
      if (v.length) {
        this.byte(0x28);
        v.forEach((x) => this.value(x));
        this.byte(0x65);
      }
    } else if (typeof v === "object") {
      this.byte(0x7d);
      this.put();
      this.items(Object.entries(v as Record<string, unknown>));
    } else throw new Error(`cannot pickle ${typeof v}`);
  }
  items(entries: [string, unknown][]) {
    if (!entries.length) return;
    this.byte(0x28);
    for (const [k, x] of entries) (this.str(k), this.value(x));
    this.byte(0x75);
  }
  tuple(items: unknown[]) {
    if (items.length === 0) return this.byte(0x29);
    this.byte(0x28);
    items.forEach((x) => this.value(x));
    this.byte(0x74);
    this.put();
  }
  tensor(t: TensorSpec) {
    const key = String(this.storages.length);
    this.storages.push(tensorBytes(t));
    const storageType = { float32: "FloatStorage", float16: "HalfStorage", int64: "LongStorage" }[t.dtype];
    const strides = t.shape.map((_, i) => t.shape.slice(i + 1).reduce((a, b) => a * b, 1));
    this.global("torch._utils", "_rebuild_tensor_v2");
    this.byte(0x28); // MARK for the args tuple
    // persistent id ('storage', torch.XStorage, key, 'cpu', numel) then BINPERSID
    this.byte(0x28);
    this.str("storage");
    this.global("torch", storageType);
    this.str(key);
    this.str("cpu");
    this.int(t.values.length);
    this.byte(0x74);
    this.put();
    this.byte(0x51);
    this.int(0);
    this.tuple(t.shape);
    this.tuple(strides);
    this.byte(0x89);
    this.global("collections", "OrderedDict");
    this.byte(0x29, 0x52);
    this.put();
    this.byte(0x74);
    this.put();
    this.byte(0x52);
    this.put();
  }
}

/** Pickle bytes (protocol 2) of `value`, plus the storages its tensors refer to. */
export function pickleDump(value: unknown): { pickle: Uint8Array; storages: Uint8Array[] } {
  const w = new PickleWriter();
  w.byte(0x80, 2);
  w.value(value);
  w.byte(0x2e);
  return { pickle: Uint8Array.from(w.out), storages: w.storages };
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(b: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < b.length; i++) c = CRC_TABLE[(c ^ b[i]) & 255] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A zip archive of STORED entries, as torch.save writes. */
export function storedZip(files: [string, Uint8Array][]): Uint8Array {
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  const le = (n: number, size: number) => Array.from({ length: size }, (_, i) => (n >>> (8 * i)) & 255);
  for (const [name, data] of files) {
    const nm = new TextEncoder().encode(name);
    const crc = crc32(data);
    const local = Uint8Array.from([
      ...le(0x04034b50, 4), ...le(20, 2), ...le(0, 2), ...le(0, 2), ...le(0, 2), ...le(0, 2),
      ...le(crc, 4), ...le(data.length, 4), ...le(data.length, 4), ...le(nm.length, 2), ...le(0, 2), ...nm,
    ]);
    central.push(Uint8Array.from([
      ...le(0x02014b50, 4), ...le(20, 2), ...le(20, 2), ...le(0, 2), ...le(0, 2), ...le(0, 2), ...le(0, 2),
      ...le(crc, 4), ...le(data.length, 4), ...le(data.length, 4), ...le(nm.length, 2), ...le(0, 2), ...le(0, 2),
      ...le(0, 2), ...le(0, 2), ...le(0, 4), ...le(offset, 4), ...nm,
    ]));
    parts.push(local, data);
    offset += local.length + data.length;
  }
  const cdSize = central.reduce((a, c) => a + c.length, 0);
  const end = Uint8Array.from([
    ...le(0x06054b50, 4), ...le(0, 2), ...le(0, 2), ...le(files.length, 2), ...le(files.length, 2),
    ...le(cdSize, 4), ...le(offset, 4), ...le(0, 2),
  ]);
  const all = [...parts, ...central, end];
  const out = new Uint8Array(all.reduce((a, c) => a + c.length, 0));
  let p = 0;
  for (const c of all) (out.set(c, p), (p += c.length));
  return out;
}

/** torch.save(value) bytes: archive/data.pkl, archive/data/<key>, archive/version, archive/byteorder. */
export function torchSave(value: unknown, top = "archive"): Uint8Array {
  const { pickle, storages } = pickleDump(value);
  return storedZip([
    [`${top}/data.pkl`, pickle],
    [`${top}/byteorder`, new TextEncoder().encode("little")],
    ...storages.map((s, i): [string, Uint8Array] => [`${top}/data/${i}`, s]),
    [`${top}/version`, new TextEncoder().encode("3\n")],
  ]);
}

/** A state dict (name -> tensor) as torch.save writes it: an OrderedDict. */
export function stateDict(tensors: Record<string, TensorSpec>): OrderedDict {
  return new OrderedDict(Object.entries(tensors));
}

/** safetensors bytes for the same tensors. */
export function safetensorsSave(tensors: Record<string, TensorSpec>, metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = metadata ? { __metadata__: metadata } : {};
  const blobs: Uint8Array[] = [];
  let off = 0;
  for (const [name, t] of Object.entries(tensors)) {
    const b = tensorBytes(t);
    header[name] = { dtype: { float32: "F32", float16: "F16", int64: "I64" }[t.dtype], shape: t.shape, data_offsets: [off, off + b.length] };
    blobs.push(b);
    off += b.length;
  }
  let json = JSON.stringify(header);
  while ((8 + json.length) % 8) json += " ";
  const hb = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + hb.length + off);
  new DataView(out.buffer).setBigUint64(0, BigInt(hb.length), true);
  out.set(hb, 8);
  let p = 8 + hb.length;
  for (const b of blobs) (out.set(b, p), (p += b.length));
  return out;
}
