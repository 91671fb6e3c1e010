// Any supported checkpoint file -> Checkpoint, sniffed by content (not by extension).
import { ModelError } from "../../core/errors.ts";
import { loadSafetensors } from "./safetensors.ts";
import { loadTorchZip } from "./torch_zip.ts";
import type { Checkpoint, CheckpointTensor } from "./types.ts";
import { isZip } from "./zip.ts";

export function loadCheckpoint(bytes: Uint8Array, name = "checkpoint"): Checkpoint {
  if (isZip(bytes)) return loadTorchZip(bytes, name);
  if (bytes.length >= 2 && bytes[0] === 0x80 && bytes[1] <= 5) {
    throw new ModelError(`${name}: legacy (pre-1.6) torch.save format is not supported; re-save it with torch>=1.6`);
  }
  if (bytes.length >= 9 && bytes[8] === 0x7b) return loadSafetensors(bytes, name);
  throw new ModelError(`${name}: not a checkpoint (expected a PyTorch zip archive or a .safetensors file)`);
}

/** A tensor as float32 values (fp16/bf16/fp64 widened or narrowed); copies only when the dtype differs. */
export function toFloat32(t: CheckpointTensor, name = "tensor"): Float32Array {
  const b = t.bytes;
  const n = t.shape.reduce((a, c) => a * c, 1);
  if (t.dtype === "float32") {
    if (b.byteOffset % 4 === 0) return new Float32Array(b.buffer, b.byteOffset, n);
    return new Float32Array(b.slice().buffer, 0, n);
  }
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out = new Float32Array(n);
  if (t.dtype === "float16") for (let i = 0; i < n; i++) out[i] = halfToFloat(view.getUint16(2 * i, true));
  else if (t.dtype === "bfloat16") {
    const u = new Uint32Array(1), f = new Float32Array(u.buffer);
    for (let i = 0; i < n; i++) {
      u[0] = view.getUint16(2 * i, true) << 16;
      out[i] = f[0];
    }
  } else if (t.dtype === "float64") for (let i = 0; i < n; i++) out[i] = view.getFloat64(8 * i, true);
  else throw new ModelError(`${name}: expected a floating-point tensor, got ${t.dtype}`);
  return out;
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}
