// A restricted unpickler: reads the pickle programs torch.save writes, and nothing else. Globals are resolved
// against an allow-list of pure data constructors; anything else is refused by name. Nothing in a file runs.
import { ModelError } from "../../core/errors.ts";
import { CHECKPOINT_LIMITS } from "./limits.ts";

/** A reference to a torch storage: resolved against the archive's data/<key> entries by the caller. */
export class StorageRef {
  constructor(readonly storageType: string, readonly key: string, readonly numel: number) {}
}

/** What `_rebuild_tensor_v2` describes: a strided view of a storage. */
export class TensorRef {
  constructor(
    readonly storage: StorageRef,
    readonly offset: number,
    readonly shape: number[],
    readonly stride: number[],
  ) {}
}

/** A Python tuple (kept apart from lists so callers can tell them apart). */
export class Tuple extends Array<unknown> {}

/** A global that is allowed but is only a marker (a storage type or a class), never called with side effects. */
class GlobalRef {
  constructor(readonly module: string, readonly name: string) {}
}

type Callable = (args: unknown[]) => unknown;

const STORAGE_TYPES = [
  "FloatStorage", "HalfStorage", "BFloat16Storage", "DoubleStorage", "LongStorage", "IntStorage",
  "ShortStorage", "CharStorage", "ByteStorage", "BoolStorage",
];

function asInts(v: unknown, what: string): number[] {
  if (!Array.isArray(v) || v.some((x) => typeof x !== "number" || !Number.isSafeInteger(x))) {
    throw new ModelError(`checkpoint: ${what} is not a list of integers`);
  }
  return Array.from(v as number[]);
}

function latin1(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

function rebuildTensor(args: unknown[]): TensorRef {
  const [storage, offset, size, stride] = args;
  if (!(storage instanceof StorageRef)) throw new ModelError("checkpoint: tensor without a storage");
  if (typeof offset !== "number") throw new ModelError("checkpoint: tensor offset is not a number");
  return new TensorRef(storage, offset, asInts(size, "tensor shape"), asInts(stride, "tensor stride"));
}

/** The allow-list: module.name -> what calling it produces. */
const CALLABLES: Record<string, Callable> = {
  "torch._utils._rebuild_tensor_v2": rebuildTensor,
  "torch._utils._rebuild_parameter": (a) => a[0],
  "torch._utils._rebuild_parameter_with_state": (a) => a[0],
  "collections.OrderedDict": () => new Map(),
  "builtins.dict": () => new Map(),
  "builtins.list": (a) => (Array.isArray(a[0]) ? [...a[0]] : []),
  "builtins.set": (a) => new Set(Array.isArray(a[0]) ? a[0] : []),
  "builtins.frozenset": (a) => new Set(Array.isArray(a[0]) ? a[0] : []),
  "builtins.tuple": (a) => Tuple.from(Array.isArray(a[0]) ? a[0] : []),
  "torch.Size": (a) => Tuple.from(Array.isArray(a[0]) ? a[0] : []),
  // Protocol 2 writes Python 3 bytes as _codecs.encode(str, "latin1").
  "_codecs.encode": (a) => latin1(String(a[0])),
  // Tensor subclasses (nn.Parameter in newer torch): rebuild with the inner function, drop the type.
  "torch._tensor._rebuild_from_type_v2": (a) => {
    const [fn, , args] = a;
    if (typeof fn !== "function") throw new ModelError("checkpoint: _rebuild_from_type_v2 with a function that is not allowed");
    return (fn as Callable)(args as unknown[]);
  },
};
const MARKERS = new Set([
  ...STORAGE_TYPES.map((s) => `torch.${s}`),
  "torch.nn.parameter.Parameter",
  "torch.Tensor",
  "torch.device",
]);

function resolveGlobal(module: string, name: string, label: string): unknown {
  const mod = module === "__builtin__" ? "builtins" : module;
  const full = `${mod}.${name}`;
  const fn = CALLABLES[full];
  if (fn) return Object.assign((args: unknown[]) => fn(args), { pickleName: full });
  if (MARKERS.has(full)) return new GlobalRef(mod, name);
  throw new ModelError(`${label}: checkpoint refused: it references the Python global ${full}, which is not on the allow-list ` +
    `(only plain tensors and containers are loaded; nothing in a checkpoint is ever executed)`);
}

const MARK = Symbol("mark");

export interface UnpickleOptions {
  persistentLoad: (pid: unknown) => unknown;
  label: string;
}

/** Runs the pickle program in `data` on the restricted machine and returns the top object. */
export function unpickle(data: Uint8Array, options: UnpickleOptions): unknown {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const dec = new TextDecoder("utf-8");
  const stack: unknown[] = [];
  const memo = new Map<number, unknown>();
  let pos = 0;
  const fail = (why: string): never => {
    throw new ModelError(`${options.label}: bad pickle data at byte ${pos} (${why}); the file may be truncated or damaged`);
  };
  // Budgets no real checkpoint reaches (limits.ts): each refusal says which one was exceeded.
  let built = 0, copied = 0, materialised = 0;
  const refuse = (what: string, limit: number): never => {
    throw new ModelError(`${options.label}: checkpoint refused: its pickle ${what} (limit ${limit.toLocaleString("en")})`);
  };
  const push = (v: unknown) => {
    if (++built > CHECKPOINT_LIMITS.objects) refuse("builds too many objects", CHECKPOINT_LIMITS.objects);
    stack.push(v);
  };
  const chars = (n: number) => {
    materialised += n;
    if (materialised > CHECKPOINT_LIMITS.bytes) refuse("materialises too many bytes of strings", CHECKPOINT_LIMITS.bytes);
  };
  const text = (b: Uint8Array) => (chars(b.length), b);
  const copies = (n: number) => {
    copied += n;
    if (copied > CHECKPOINT_LIMITS.elements) refuse("copies too many container elements", CHECKPOINT_LIMITS.elements);
  };
  const need = (n: number) => {
    if (n < 0 || pos + n > data.length) fail("unexpected end of data");
  };
  const u8 = () => (need(1), data[pos++]);
  const u16 = () => (need(2), (pos += 2), view.getUint16(pos - 2, true));
  const u32 = () => (need(4), (pos += 4), view.getUint32(pos - 4, true));
  const i32 = () => (need(4), (pos += 4), view.getInt32(pos - 4, true));
  const u64 = () => {
    need(8);
    const v = view.getBigUint64(pos, true);
    pos += 8;
    if (v > BigInt(data.length)) fail("length larger than the file");
    return Number(v);
  };
  const bytes = (n: number) => (need(n), (pos += n), data.subarray(pos - n, pos));
  const line = () => {
    const end = data.indexOf(10, pos);
    if (end < 0) fail("unterminated text field");
    const s = dec.decode(data.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const pop = () => (stack.length === 0 ? fail("stack underflow") : stack.pop());
  const popMark = (): unknown[] => {
    const i = stack.lastIndexOf(MARK);
    if (i < 0) fail("missing MARK");
    const items = stack.splice(i);
    items.shift();
    return items;
  };
  const top = () => (stack.length === 0 ? fail("stack underflow") : stack[stack.length - 1]);
  const setItems = (target: unknown, items: unknown[]) => {
    if (!(target instanceof Map)) fail("SETITEM on something that is not a dict");
    for (let i = 0; i + 1 < items.length; i += 2) (target as Map<unknown, unknown>).set(items[i], items[i + 1]);
  };
  const appendItems = (target: unknown, items: unknown[]) => {
    if (target instanceof Set) items.forEach((x) => target.add(x));
    else if (Array.isArray(target)) for (const x of items) target.push(x); // no spread: a huge APPENDS overflows it
    else fail("APPEND on something that is not a list");
  };
  const call = (fn: unknown, args: unknown) => {
    if (typeof fn !== "function") fail(`call of ${fn instanceof GlobalRef ? `${fn.module}.${fn.name}` : "a non-callable"}`);
    if (!Array.isArray(args)) fail("call arguments are not a tuple");
    // list(x), tuple(x), set(x) copy x, and _codecs.encode copies a string: a memo reference used many times
    // would copy the same big value again and again.
    const a0 = (args as unknown[])[0];
    if (Array.isArray(a0)) copies(a0.length);
    else if (typeof a0 === "string") chars(a0.length);
    try {
      return (fn as Callable)(args as unknown[]);
    } catch (e) {
      // The allow-listed constructors do not know the file: name it here.
      if (e instanceof ModelError && e.message.startsWith("checkpoint: ")) {
        throw new ModelError(`${options.label}: bad tensor data (${e.message.slice("checkpoint: ".length)})`);
      }
      throw e;
    }
  };
  const long = (b: Uint8Array) => {
    if (b.length > 8) fail("integer too large");
    let v = 0n;
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    if (b.length && b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };

  while (true) {
    const op = u8();
    switch (op) {
      case 0x80: u8(); break; // PROTO
      case 0x95: u64(); break; // FRAME
      case 0x2e: return stack.length === 1 ? stack[0] : fail("STOP with a bad stack"); // STOP
      case 0x28: stack.push(MARK); break; // MARK
      case 0x4e: push(null); break; // NONE
      case 0x88: push(true); break; // NEWTRUE
      case 0x89: push(false); break; // NEWFALSE
      case 0x4a: push(i32()); break; // BININT
      case 0x4b: push(u8()); break; // BININT1
      case 0x4d: push(u16()); break; // BININT2
      case 0x8a: push(long(bytes(u8()))); break; // LONG1
      case 0x8b: push(long(bytes(u32()))); break; // LONG4
      case 0x49: { // INT (text)
        const s = line();
        push(s === "01" ? true : s === "00" ? false : Number.parseInt(s, 10));
        break;
      }
      case 0x4c: push(Number.parseInt(line().replace(/L$/, ""), 10)); break; // LONG (text)
      case 0x47: need(8); push(view.getFloat64(pos, false)); pos += 8; break; // BINFLOAT
      case 0x46: push(Number.parseFloat(line())); break; // FLOAT (text)
      case 0x58: push(dec.decode(text(bytes(u32())))); break; // BINUNICODE
      case 0x8c: push(dec.decode(text(bytes(u8())))); break; // SHORT_BINUNICODE
      case 0x8d: push(dec.decode(text(bytes(u64())))); break; // BINUNICODE8
      case 0x54: push(dec.decode(text(bytes(u32())))); break; // BINSTRING
      case 0x55: push(dec.decode(text(bytes(u8())))); break; // SHORT_BINSTRING
      case 0x42: push(text(bytes(u32()).slice())); break; // BINBYTES
      case 0x43: push(text(bytes(u8()).slice())); break; // SHORT_BINBYTES
      case 0x8e: push(text(bytes(u64()).slice())); break; // BINBYTES8
      case 0x7d: push(new Map()); break; // EMPTY_DICT
      case 0x5d: push([]); break; // EMPTY_LIST
      case 0x29: push(new Tuple()); break; // EMPTY_TUPLE
      case 0x8f: push(new Set()); break; // EMPTY_SET
      case 0x64: { // DICT
        const m = new Map();
        setItems(m, popMark());
        push(m);
        break;
      }
      case 0x6c: push(popMark()); break; // LIST
      case 0x74: push(Tuple.from(popMark())); break; // TUPLE
      case 0x85: push(Tuple.of(pop())); break; // TUPLE1
      case 0x86: { const b = pop(), a = pop(); push(Tuple.of(a, b)); break; } // TUPLE2
      case 0x87: { const c = pop(), b = pop(), a = pop(); push(Tuple.of(a, b, c)); break; } // TUPLE3
      case 0x73: { const v = pop(), k = pop(); setItems(top(), [k, v]); break; } // SETITEM
      case 0x75: { const items = popMark(); setItems(top(), items); break; } // SETITEMS
      case 0x61: { const v = pop(); appendItems(top(), [v]); break; } // APPEND
      case 0x65: { const items = popMark(); appendItems(top(), items); break; } // APPENDS
      case 0x90: { const items = popMark(); appendItems(top(), items); break; } // ADDITEMS
      case 0x91: push(new Set(popMark())); break; // FROZENSET
      case 0x30: pop(); break; // POP
      case 0x31: popMark(); break; // POP_MARK
      case 0x32: stack.push(top()); break; // DUP
      case 0x71: memo.set(u8(), top()); break; // BINPUT
      case 0x72: memo.set(u32(), top()); break; // LONG_BINPUT
      case 0x70: memo.set(Number(line()), top()); break; // PUT
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x68: case 0x6a: case 0x67: { // BINGET, LONG_BINGET, GET
        const k = op === 0x68 ? u8() : op === 0x6a ? u32() : Number(line());
        if (!memo.has(k)) fail(`memo key ${k} is missing`);
        stack.push(memo.get(k));
        break;
      }
      case 0x63: { // GLOBAL "module\nname\n"
        const module = line(), name = line();
        push(resolveGlobal(module, name, options.label));
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const name = pop(), module = pop();
        if (typeof name !== "string" || typeof module !== "string") fail("STACK_GLOBAL without names");
        push(resolveGlobal(module as string, name as string, options.label));
        break;
      }
      case 0x52: { const args = pop(), fn = pop(); push(call(fn, args)); break; } // REDUCE
      case 0x51: push(options.persistentLoad(pop())); break; // BINPERSID
      case 0x62: { // BUILD: set state. Only containers accept it (OrderedDict's _metadata); state is dropped.
        pop();
        const obj = top();
        if (typeof obj !== "object" || obj === null) fail("BUILD on a value that is not an object");
        break;
      }
      case 0x81: case 0x92: { // NEWOBJ, NEWOBJ_EX: class instantiation is never allowed
        if (op === 0x92) pop();
        pop();
        const cls = pop();
        const name = cls instanceof GlobalRef ? `${cls.module}.${cls.name}` : (cls as { pickleName?: string })?.pickleName ?? "an object";
        throw new ModelError(`${options.label}: checkpoint refused: it instantiates ${name}, which is not allowed`);
      }
      default:
        fail(`unsupported pickle opcode 0x${op.toString(16)}`);
    }
    if (stack.length > CHECKPOINT_LIMITS.objects) refuse("stack grows too deep", CHECKPOINT_LIMITS.objects);
  }
}

/**
 * Walks what the pickle built, counting container elements as a copy would meet them (a memo reference once per
 * use), without allocating; refuses past the element or depth budget. A list holding the previous list twice,
 * nested 40 times, is 654 bytes of pickle and 2^40 elements to expand: refused after the first 2 million.
 */
export function checkReachable(root: unknown, label: string): void {
  const { elements, depth: maxDepth } = CHECKPOINT_LIMITS;
  const refuse = (what: string, limit: number): never => {
    throw new ModelError(`${label}: checkpoint refused: ${what} (limit ${limit.toLocaleString("en")})`);
  };
  let count = 0;
  const pending: unknown[] = [root], depths: number[] = [0];
  const visit = (x: unknown, depth: number) => {
    if (typeof x !== "object" || x === null) return;
    if (++count > elements) {
      refuse("its pickle reaches too many container elements (memo references counted at each use)", elements);
    }
    pending.push(x);
    depths.push(depth);
  };
  while (pending.length > 0) {
    const v = pending.pop(), depth = depths.pop()!;
    if (!(v instanceof Map || v instanceof Set || Array.isArray(v))) continue;
    if (depth >= maxDepth) refuse("its containers nest too deeply (or a container holds itself)", maxDepth);
    if (v instanceof Map) {
      for (const [k, x] of v) {
        count++;
        visit(k, depth + 1);
        visit(x, depth + 1);
      }
    } else for (const x of v) (count++, visit(x, depth + 1));
    if (count > elements) refuse("its pickle reaches too many container elements (memo references counted at each use)", elements);
  }
}

/** Storage type name (e.g. "FloatStorage") of a persistent id's type entry. */
export function storageTypeName(v: unknown): string | undefined {
  if (v instanceof GlobalRef && STORAGE_TYPES.includes(v.name)) return v.name;
  if (typeof v === "string" && STORAGE_TYPES.includes(v)) return v;
  return undefined;
}
