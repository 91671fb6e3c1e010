// .safetensors: 8-byte header length, a JSON header (name -> dtype, shape, data_offsets), then raw data.
import { ModelError } from "../../core/errors.ts";
import type { Checkpoint, StateDict, TensorDType } from "./types.ts";

const DTYPES: Record<string, [TensorDType, number]> = {
  F32: ["float32", 4], F16: ["float16", 2], BF16: ["bfloat16", 2], F64: ["float64", 8], I64: ["int64", 8],
  I32: ["int32", 4], I16: ["int16", 2], I8: ["int8", 1], U8: ["uint8", 1], BOOL: ["bool", 1],
};

export function loadSafetensors(bytes: Uint8Array, label: string): Checkpoint {
  const fail = (why: string): never => {
    throw new ModelError(`${label}: not a valid safetensors file (${why})`);
  };
  if (bytes.length < 8) fail("too short");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = Number(view.getBigUint64(0, true));
  if (headerLen > bytes.length - 8 || headerLen > 100_000_000) fail("header length past the end of the file");
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + headerLen)));
  } catch {
    return fail("header is not JSON");
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) fail("header is not an object");
  const data = bytes.subarray(8 + headerLen);
  const tensors: StateDict = new Map();
  let meta: Record<string, unknown> = {};
  for (const [name, info] of Object.entries(header)) {
    if (name === "__metadata__") {
      meta = (info ?? {}) as Record<string, unknown>;
      continue;
    }
    const t = info as { dtype?: string; shape?: number[]; data_offsets?: number[] };
    const dt = DTYPES[t?.dtype ?? ""];
    if (!dt) fail(`tensor ${name}: unsupported dtype ${t?.dtype}`);
    const shape = t.shape;
    const off = t.data_offsets;
    if (!Array.isArray(shape) || shape.some((d) => !Number.isSafeInteger(d) || d < 0)) fail(`tensor ${name}: bad shape`);
    if (!Array.isArray(off) || off.length !== 2 || !(off[0] <= off[1]) || off[1] > data.length) fail(`tensor ${name}: data past the end of the file`);
    const numel = shape!.reduce((a, b) => a * b, 1);
    if (numel * dt[1] !== off![1] - off![0]) fail(`tensor ${name}: ${off![1] - off![0]} bytes for shape [${shape}]`);
    tensors.set(name, { dtype: dt[0], shape: shape!, bytes: data.subarray(off![0], off![1]) });
  }
  return { tensors, meta };
}
