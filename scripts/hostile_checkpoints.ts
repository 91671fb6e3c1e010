// The hostile checkpoint corpus: small files crafted to exhaust memory or time (memo "billion laughs" at several
// depths and widths, stride and offset bombs, negative and overflowing shapes, copy amplification) plus the
// code-execution tricks. Every one must be refused with its reason, fast and without allocating the bomb.
// Usage: deno run -A scripts/hostile_checkpoints.ts --out DIR   (writes the files)
//        deno run -A --v8-flags=--expose-gc scripts/hostile_checkpoints.ts --check
//          (loads each; one JSON line per case with its wall and CPU time and peak RSS; test/checkpoint/hostile_test.ts)
import { parseArgs } from "node:util";
import { loadCheckpoint } from "../models/checkpoint/load_checkpoint.ts";
import { storedZip } from "../models/checkpoint/writer.ts";

const enc = new TextEncoder();

/** A tiny pickle assembler (protocol 2), enough for crafted programs. */
class Asm {
  out: number[] = [0x80, 2];
  op(...b: number[]) {
    this.out.push(...b);
    return this;
  }
  int(v: number | bigint) {
    if (typeof v === "number" && !Number.isInteger(v)) { // BINFLOAT, big-endian: a float where an int belongs
      const b = new Uint8Array(8);
      new DataView(b.buffer).setFloat64(0, v, false);
      return this.op(0x47, ...b);
    }
    let x = BigInt(v);
    const n = BigInt.asIntN(64, x) === x ? 8 : 16; // beyond int64 only where a case wants it
    const bytes: number[] = [];
    for (let i = 0; i < n; i++) (bytes.push(Number(x & 0xffn)), (x >>= 8n));
    return this.op(0x8a, n, ...bytes); // LONG1, two's complement
  }
  str(s: string) {
    const b = enc.encode(s);
    const n = b.length;
    this.op(0x58, n & 255, (n >> 8) & 255, (n >> 16) & 255, n >>> 24);
    for (const x of b) this.out.push(x);
    return this;
  }
  global(module: string, name: string) {
    this.op(0x63);
    for (const x of enc.encode(`${module}\n${name}\n`)) this.out.push(x);
    return this;
  }
  put(i: number) {
    return this.op(0x72, i & 255, (i >> 8) & 255, (i >> 16) & 255, i >>> 24); // LONG_BINPUT
  }
  get(i: number) {
    return this.op(0x6a, i & 255, (i >> 8) & 255, (i >> 16) & 255, i >>> 24); // LONG_BINGET
  }
  ints(xs: (number | bigint)[]) {
    this.op(0x28);
    xs.forEach((x) => this.int(x));
    return this.op(0x74); // TUPLE
  }
  /** _rebuild_tensor_v2(storage 0 of `numel` floats, offset, shape, stride, False, None). */
  tensor(numel: number, offset: number | bigint, shape: (number | bigint)[], stride: (number | bigint)[]) {
    this.global("torch._utils", "_rebuild_tensor_v2").op(0x28);
    this.op(0x28).str("storage").global("torch", "FloatStorage").str("0").str("cpu").int(numel).op(0x74, 0x51);
    return this.int(offset).ints(shape).ints(stride).op(0x89, 0x4e, 0x74, 0x52);
  }
  bytes() {
    return Uint8Array.from([...this.out, 0x2e]);
  }
}

function archive(pickle: Uint8Array, storage?: Uint8Array): Uint8Array {
  const files: [string, Uint8Array][] = [["archive/data.pkl", pickle], ["archive/byteorder", enc.encode("little")]];
  if (storage) files.push(["archive/data/0", storage]);
  return storedZip(files);
}

/** A list of `fanout` references to the previous list, `depth` times (each level built after the one below). */
function memoFanout(depth: number, fanout: number): Uint8Array {
  const a = new Asm().op(0x5d).put(0).op(0x30);
  for (let i = 1; i <= depth; i++) {
    a.op(0x5d, 0x28);
    for (let j = 0; j < fanout; j++) a.get(i - 1);
    a.op(0x65).put(i); // APPENDS
    if (i < depth) a.op(0x30); // POP: it stays in the memo
  }
  return archive(a.bytes());
}

/** The same fan-out with each list filled only after it was put in its parent (counts at insertion would miss it). */
function memoFanoutTopDown(depth: number): Uint8Array {
  const a = new Asm();
  for (let i = 0; i <= depth; i++) a.op(0x5d).put(i).op(0x30);
  for (let i = depth; i >= 1; i--) a.get(i).get(i - 1).op(0x61).get(i - 1).op(0x61).op(0x30); // L[i].append(L[i-1]) twice
  return archive(a.get(depth).bytes());
}

/** A dict whose one tensor is `shape`/`stride`/`offset` over a storage of `numel` floats. */
export function tensorCase(numel: number, offset: number | bigint, shape: (number | bigint)[], stride: (number | bigint)[]): Uint8Array {
  const a = new Asm().op(0x7d).str("w").tensor(numel, offset, shape, stride).op(0x73);
  return archive(a.bytes(), new Uint8Array(numel * 4));
}

/** One transposed view of a 4 MiB storage, named `copies` times: each name would gather another copy. */
function gatherBomb(copies: number): Uint8Array {
  const n = 1024;
  const a = new Asm().op(0x7d).tensor(n * n, 0, [n, n], [1, n]).put(0).op(0x30).op(0x28);
  for (let i = 0; i < copies; i++) a.str(`w${i}`).get(0);
  return archive(a.op(0x75).bytes(), new Uint8Array(n * n * 4)); // SETITEMS
}

/** list(x) of a memoised 10,000-element list, `times` times. */
function listCopies(times: number): Uint8Array {
  const a = new Asm().global("builtins", "list").put(0).op(0x30).op(0x28);
  for (let i = 0; i < 10_000; i++) a.op(0x4b, i & 255);
  a.op(0x6c).put(1).op(0x30).op(0x5d, 0x28);
  for (let i = 0; i < times; i++) a.get(0).get(1).op(0x85, 0x52); // list(L) as a new element
  return archive(a.op(0x65).bytes());
}

/** _codecs.encode of a memoised 1 MiB string, `times` times. */
function encodeCopies(times: number): Uint8Array {
  const a = new Asm().global("_codecs", "encode").put(0).op(0x30).str("x".repeat(2 ** 20)).put(1).op(0x30).op(0x5d, 0x28);
  for (let i = 0; i < times; i++) a.get(0).get(1).str("latin1").op(0x86, 0x52);
  return archive(a.op(0x65).bytes());
}

export interface HostileCase {
  name: string;
  make: () => Uint8Array;
  /** The reason the refusal must give. */
  expect: RegExp;
}

const TOO_MANY = /reaches too many container elements/;

export const HOSTILE_CASES: HostileCase[] = [
  { name: "memo-fanout-2x24", make: () => memoFanout(24, 2), expect: TOO_MANY },
  { name: "memo-fanout-2x40", make: () => memoFanout(40, 2), expect: TOO_MANY },
  { name: "memo-fanout-10x7", make: () => memoFanout(7, 10), expect: TOO_MANY },
  { name: "memo-fanout-1000x3", make: () => memoFanout(3, 1000), expect: TOO_MANY },
  { name: "memo-fanout-top-down-40", make: () => memoFanoutTopDown(40), expect: TOO_MANY },
  {
    name: "list-holds-itself",
    make: () => archive(new Asm().op(0x5d).put(0).get(0).op(0x61).bytes()),
    expect: /nest too deeply \(or a container holds itself\)/,
  },
  { name: "list-copy-amplification", make: () => listCopies(400), expect: /copies too many container elements/ },
  { name: "string-encode-amplification", make: () => encodeCopies(100), expect: /materialises too many bytes/ },
  { name: "stride-bomb-zero-strides", make: () => tensorCase(1, 0, [30000, 30000], [0, 0]), expect: /allowed up to 1048576 elements/ },
  { name: "stride-bomb-overlapping", make: () => tensorCase(200_000, 0, [100_000, 100_000], [1, 1]), expect: /zero or overlapping strides/ },
  { name: "stride-past-storage", make: () => tensorCase(6, 0, [2, 3], [1e15, 1]), expect: /reaches element 1000000000000002 of a storage of 6/ },
  { name: "offset-bomb", make: () => tensorCase(4, 2 ** 52, [1], [1]), expect: /reaches element 4503599627370496 of a storage of 4/ },
  { name: "overflowing-shape", make: () => tensorCase(4, 0, [2 ** 40, 2 ** 40], [2 ** 40, 1]), expect: /reaches element \d+ of a storage of 4/ },
  { name: "shape-beyond-int64", make: () => tensorCase(4, 0, [2n ** 70n], [1]), expect: /integer too large/ },
  { name: "non-integer-shape", make: () => tensorCase(12, 0, [2.5, 2], [2, 1]), expect: /bad tensor data \(tensor shape is not a list of integers\)/ },
  { name: "negative-shape", make: () => tensorCase(12, 0, [-4, 3], [3, 1]), expect: /bad size -4 in dimension 0/ },
  { name: "negative-stride", make: () => tensorCase(12, 8, [4], [-2]), expect: /bad stride -2 in dimension 0/ },
  { name: "negative-offset", make: () => tensorCase(12, -1, [4], [1]), expect: /bad storage offset \(-1\)/ },
  { name: "gather-bomb", make: () => gatherBomb(200), expect: /copying its non-contiguous tensors/ },
  {
    name: "global-posix-system",
    make: () => archive(new Asm().global("posix", "system").str("id").op(0x85, 0x52).bytes()),
    expect: /Python global posix\.system/,
  },
  {
    name: "stack-global-eval",
    make: () => archive(new Asm().str("builtins").str("eval").op(0x93).str("1").op(0x85, 0x52).bytes()),
    expect: /Python global builtins\.eval/,
  },
  {
    name: "newobj-parameter",
    make: () => archive(new Asm().global("torch.nn.parameter", "Parameter").op(0x29, 0x81).bytes()),
    expect: /instantiates torch\.nn\.parameter\.Parameter/,
  },
];

/** CPU seconds this process has used (user + system, all threads), from /proc; undefined where there is none. */
function cpuSeconds(): number | undefined {
  try {
    const fields = Deno.readTextFileSync("/proc/self/stat").split(") ")[1].split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in USER_HZ ticks (100 on Linux)
  } catch {
    return undefined;
  }
}

/** VmHWM (peak resident set) of this process in bytes, from /proc; undefined where there is no /proc. */
function peakRss(): number | undefined {
  try {
    const kb = Deno.readTextFileSync("/proc/self/status").match(/VmHWM:\s+(\d+) kB/)?.[1];
    return kb ? Number(kb) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

function resetPeakRss(): boolean {
  try {
    Deno.writeTextFileSync("/proc/self/clear_refs", "5");
    return true;
  } catch {
    return false;
  }
}

if (import.meta.main) {
  const { values } = parseArgs({ args: Deno.args, options: { out: { type: "string" }, check: { type: "boolean" } } });
  if (values.out) {
    Deno.mkdirSync(values.out, { recursive: true });
    for (const c of HOSTILE_CASES) Deno.writeFileSync(`${values.out}/${c.name}.pt`, c.make());
    console.log(`${HOSTILE_CASES.length} hostile checkpoints written to ${values.out}`);
  }
  if (values.check) {
    // Per case: collect garbage, reset the kernel's peak-RSS mark (clear_refs 5), load, read the peak.
    const gc = (globalThis as { gc?: () => void }).gc;
    for (const c of HOSTILE_CASES) {
      const bytes = c.make();
      gc?.();
      const reset = resetPeakRss();
      const cpu0 = cpuSeconds();
      const t0 = performance.now();
      let message = "(accepted)";
      try {
        loadCheckpoint(bytes, `${c.name}.pt`);
      } catch (e) {
        message = `${(e as Error).name}: ${(e as Error).message}`;
      }
      const ms = performance.now() - t0;
      const cpu1 = cpuSeconds();
      const cpuMs = cpu0 !== undefined && cpu1 !== undefined ? (cpu1 - cpu0) * 1000 : undefined;
      const rss = reset ? peakRss() : undefined;
      console.log(JSON.stringify({ name: c.name, size: bytes.length, ms, cpuMs, peakRss: rss, message, ok: c.expect.test(message) }));
    }
  }
}
