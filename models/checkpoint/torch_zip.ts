// PyTorch zip checkpoints (torch.save since 1.6: .th, .pt, .bin, WhisperSpeech .model).
// Layout: <top>/data.pkl (the pickle program), <top>/data/<key> (raw storages), <top>/byteorder.
import { ModelError } from "../../core/errors.ts";
import { CHECKPOINT_LIMITS } from "./limits.ts";
import { checkReachable, StorageRef, storageTypeName, TensorRef, Tuple, unpickle } from "./pickle.ts";
import { planView } from "./tensor_extent.ts";
import { readZip } from "./zip.ts";
import type { Checkpoint, CheckpointTensor, StateDict, TensorDType } from "./types.ts";

const DTYPES: Record<string, [TensorDType, number]> = {
  FloatStorage: ["float32", 4],
  HalfStorage: ["float16", 2],
  BFloat16Storage: ["bfloat16", 2],
  DoubleStorage: ["float64", 8],
  LongStorage: ["int64", 8],
  IntStorage: ["int32", 4],
  ShortStorage: ["int16", 2],
  CharStorage: ["int8", 1],
  ByteStorage: ["uint8", 1],
  BoolStorage: ["bool", 1],
};

export function loadTorchZip(bytes: Uint8Array, label: string): Checkpoint {
  const entries = readZip(bytes, label);
  const pklName = [...entries.keys()].find((n) => n.endsWith("/data.pkl") || n === "data.pkl");
  if (!pklName) throw new ModelError(`${label}: not a PyTorch checkpoint (no data.pkl in the archive)`);
  const top = pklName.slice(0, -"data.pkl".length);
  const order = entries.get(`${top}byteorder`);
  if (order && new TextDecoder().decode(order).trim() !== "little") {
    throw new ModelError(`${label}: big-endian checkpoints are not supported`);
  }
  const root = unpickle(entries.get(pklName)!, {
    label,
    persistentLoad: (pid) => {
      if (!(pid instanceof Tuple) || pid[0] !== "storage") throw new ModelError(`${label}: unknown persistent id in the pickle`);
      const type = storageTypeName(pid[1]);
      if (!type) throw new ModelError(`${label}: unsupported storage type in the pickle`);
      const key = String(pid[2]);
      const numel = Number(pid[4]);
      if (!entries.has(`${top}data/${key}`)) throw new ModelError(`${label}: storage data/${key} is missing from the archive`);
      return new StorageRef(type, key, numel);
    },
  });
  checkReachable(root, label);
  const tensors: StateDict = new Map();
  // Gathering non-contiguous views copies; over the whole file at most its own size plus some slack.
  let gatherBudget = bytes.length + CHECKPOINT_LIMITS.gatherSlackBytes;
  const toTensor = (ref: TensorRef, name: string): CheckpointTensor => {
    const [dtype, size] = DTYPES[ref.storage.storageType];
    const raw = entries.get(`${top}data/${ref.storage.key}`)!;
    const { numel, contiguous } = planView(label, name, ref, Math.floor(raw.length / size));
    if (contiguous) {
      const start = ref.offset * size;
      return { dtype, shape: ref.shape, bytes: raw.subarray(start, start + numel * size) };
    }
    gatherBudget -= numel * size;
    if (gatherBudget < 0) {
      throw new ModelError(`${label}: checkpoint refused: copying its non-contiguous tensors (up to ${name}) would take more ` +
        `than the file's size plus ${CHECKPOINT_LIMITS.gatherSlackBytes / 2 ** 20} MiB`);
    }
    const out = new Uint8Array(numel * size);
    const { shape, stride } = ref;
    const idx = new Array(shape.length).fill(0);
    let src = ref.offset * size;
    for (let o = 0; o < out.length; o += size) {
      for (let b = 0; b < size; b++) out[o + b] = raw[src + b];
      // Next index, row-major; src follows it by strides (planView proved every element lies inside raw).
      for (let d = idx.length - 1; d >= 0; d--) {
        if (++idx[d] < shape[d]) {
          src += stride[d] * size;
          break;
        }
        src -= (shape[d] - 1) * stride[d] * size;
        idx[d] = 0;
      }
    }
    return { dtype, shape: ref.shape, bytes: out };
  };
  const join = (path: string, key: string) => {
    const p = path ? `${path}.${key}` : key;
    if (p.length > CHECKPOINT_LIMITS.nameChars) {
      throw new ModelError(`${label}: checkpoint refused: a name longer than ${CHECKPOINT_LIMITS.nameChars} characters (${p.slice(0, 60)}...)`);
    }
    return p;
  };
  // Tensors anywhere in the structure get dotted names; the rest becomes plain metadata.
  const toPlain = (v: unknown, path: string, depth: number): unknown => {
    if (depth > CHECKPOINT_LIMITS.depth) throw new ModelError(`${label}: the checkpoint nests too deeply`);
    if (v instanceof TensorRef) {
      tensors.set(path, toTensor(v, path));
      return undefined;
    }
    if (v instanceof Map) {
      const o: Record<string, unknown> = {};
      for (const [k, x] of v) {
        if (typeof k === "object" && k !== null) {
          throw new ModelError(`${label}: checkpoint refused: a dict key under ${path || "the top level"} is a container, not a name`);
        }
        const plain = toPlain(x, join(path, String(k)), depth + 1);
        // defineProperty: a key named __proto__ stays a plain key.
        if (plain !== undefined) Object.defineProperty(o, String(k), { value: plain, enumerable: true, writable: true, configurable: true });
      }
      return o;
    }
    if (v instanceof Set) return [...v].map((x, i) => toPlain(x, join(path, String(i)), depth + 1));
    if (Array.isArray(v)) return Array.from(v, (x, i) => toPlain(x, join(path, String(i)), depth + 1));
    if (typeof v === "function" || v instanceof StorageRef) return undefined;
    return v;
  };
  const meta = toPlain(root, "", 0);
  return { tensors, meta: (meta && typeof meta === "object" && !Array.isArray(meta)) ? meta as Record<string, unknown> : { value: meta } };
}
