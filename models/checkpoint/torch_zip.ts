// PyTorch zip checkpoints (torch.save since 1.6: .th, .pt, .bin, WhisperSpeech .model).
// Layout: <top>/data.pkl (the pickle program), <top>/data/<key> (raw storages), <top>/byteorder.
import { ModelError } from "../../core/errors.ts";
import { StorageRef, storageTypeName, TensorRef, Tuple, unpickle } from "./pickle.ts";
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
  const tensors: StateDict = new Map();
  const toTensor = (ref: TensorRef, name: string): CheckpointTensor => {
    const [dtype, size] = DTYPES[ref.storage.storageType];
    const raw = entries.get(`${top}data/${ref.storage.key}`)!;
    const numel = ref.shape.reduce((a, b) => a * b, 1);
    // Contiguous row-major strides: a plain view. Otherwise gather into a new buffer.
    let expected = 1;
    let contiguous = true;
    for (let d = ref.shape.length - 1; d >= 0; d--) {
      if (ref.shape[d] !== 1 && ref.stride[d] !== expected) contiguous = false;
      expected *= ref.shape[d];
    }
    if (contiguous) {
      const start = ref.offset * size, end = start + numel * size;
      if (end > raw.length) throw new ModelError(`${label}: tensor ${name} runs past its storage (file damaged?)`);
      return { dtype, shape: ref.shape, bytes: raw.subarray(start, end) };
    }
    const out = new Uint8Array(numel * size);
    const idx = new Array(ref.shape.length).fill(0);
    for (let i = 0; i < numel; i++) {
      let src = ref.offset;
      for (let d = 0; d < idx.length; d++) src += idx[d] * ref.stride[d];
      if ((src + 1) * size > raw.length) throw new ModelError(`${label}: tensor ${name} runs past its storage`);
      out.set(raw.subarray(src * size, src * size + size), i * size);
      for (let d = idx.length - 1; d >= 0; d--) {
        if (++idx[d] < ref.shape[d]) break;
        idx[d] = 0;
      }
    }
    return { dtype, shape: ref.shape, bytes: out };
  };
  // Tensors anywhere in the structure get dotted names; the rest becomes plain metadata.
  const toPlain = (v: unknown, path: string, depth: number): unknown => {
    if (depth > 64) throw new ModelError(`${label}: the checkpoint nests too deeply`);
    if (v instanceof TensorRef) {
      tensors.set(path, toTensor(v, path));
      return undefined;
    }
    if (v instanceof Map) {
      const o: Record<string, unknown> = {};
      for (const [k, x] of v) {
        const p = path ? `${path}.${String(k)}` : String(k);
        const plain = toPlain(x, p, depth + 1);
        if (plain !== undefined) o[String(k)] = plain;
      }
      return o;
    }
    if (v instanceof Set) return [...v].map((x, i) => toPlain(x, `${path}.${i}`, depth + 1));
    if (Array.isArray(v)) return Array.from(v, (x, i) => toPlain(x, `${path}.${i}`, depth + 1));
    if (typeof v === "function" || v instanceof StorageRef) return undefined;
    return v;
  };
  const meta = toPlain(root, "", 0);
  return { tensors, meta: (meta && typeof meta === "object" && !Array.isArray(meta)) ? meta as Record<string, unknown> : { value: meta } };
}
