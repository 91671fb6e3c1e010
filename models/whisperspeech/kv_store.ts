// Where a decoder batch keeps its caches: typed arrays (cpu, wasm), or GPU buffers on WebGPU so the caches
// never travel through the CPU. Both only allocate, copy blocks of elements and wrap a slab as a Tensor, which
// is all KvBatch needs to append a step's K/V in place and to regroup rows when membership changes. Elements
// are float32, or float16 for the fp16 graphs (half the bytes to store and move).
import type { Tensor } from "onnxruntime-common";
import type { GpuBufferLike, GpuDeviceLike, OrtRuntime } from "../onnx/runtime.ts";

/** The caches' element type (the decoder graph's K/V inputs and outputs). */
export type KvType = "float32" | "float16";

const BYTES: Record<KvType, number> = { float32: 4, float16: 2 };

/** A CPU slab: float32 values, or float16 bits (how onnxruntime takes float16 tensor data). */
export type KvArray = Float32Array | Uint16Array;

/** One copy: `count` elements from `src` at element offset `from` to `dst` at element offset `to`. */
export interface Block {
  from: number;
  to: number;
  count: number;
}

export interface KvStore<S> {
  /** A zero-filled slab of `n` elements. */
  alloc(n: number): S;
  /** A session output (or any tensor of the store's type) as a slab to copy from; `release` frees what `source` made. */
  source(t: Tensor): Promise<{ slab: S; release(): void }>;
  /** Runs all copies, in order. */
  copy(jobs: { src: S; dst: S; blocks: Block[] }[]): void;
  tensor(slab: S, dims: number[]): Tensor;
  free(slab: S): void;
  /** A tensor over part of a slab, for a session to write its output into (where the runtime can). */
  view?(slab: S, from: number, dims: number[]): Tensor;
  /** Whether tensor `t` was written into `slab` at element offset `from` (an output written in place). */
  holds(slab: S, t: Tensor, from: number): boolean;
}

/**
 * Freed CPU slabs, reused by later allocations: touching fresh memory costs a page fault per 4 KiB, and on
 * our VMs filling a fresh 1 GiB array takes 4.5 s against 0.07 s for a used one; a batch of 16 T2S-small rows
 * holds 1 GiB of cross K/V. Module-wide, so consecutive generate calls reuse each other's memory.
 */
const pool: ArrayBuffer[] = [];
const POOL_BYTES = 3 * 2 ** 30;

function takeFromPool(bytes: number): ArrayBuffer | undefined {
  let best = -1;
  for (let i = 0; i < pool.length; i++) {
    const size = pool[i].byteLength;
    if (size >= bytes && size <= 2 * bytes + 65536 && (best < 0 || size < pool[best].byteLength)) best = i;
  }
  return best < 0 ? undefined : pool.splice(best, 1)[0];
}

function giveToPool(buffer: ArrayBuffer) {
  pool.push(buffer);
  let total = pool.reduce((a, b) => a + b.byteLength, 0);
  while (total > POOL_BYTES) total -= pool.shift()!.byteLength; // oldest first
}

/** A float16 tensor's data as its bits: a Float16Array (where the runtime has one) would convert values when
 * copied into a Uint16Array slab. */
function asSlab(data: ArrayBufferView, type: KvType): KvArray {
  if (type === "float32" || data instanceof Uint16Array) return data as Float32Array | Uint16Array;
  return new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2);
}

/** `inPlace`: the runtime writes outputs into preallocated tensors (onnxruntime-node does). */
export function cpuStore(rt: OrtRuntime, inPlace: boolean, type: KvType = "float32"): KvStore<KvArray> {
  const Slab = type === "float16" ? Uint16Array : Float32Array;
  return {
    alloc: (n) => {
      const reused = takeFromPool(n * BYTES[type]);
      return reused ? new Slab(reused, 0, n).fill(0) : new Slab(n);
    },
    source: async (t) => ({ slab: asSlab((await t.getData()) as ArrayBufferView, type), release: () => t.dispose() }),
    copy(jobs) {
      for (const { src, dst, blocks } of jobs) for (const b of blocks) dst.set(src.subarray(b.from, b.from + b.count), b.to);
    },
    tensor: (slab, dims) => new rt.Tensor(type, slab, dims),
    free: (slab) => giveToPool(slab.buffer as ArrayBuffer),
    view: inPlace ? (slab, from, dims) => new rt.Tensor(type, slab.subarray(from, from + dims.reduce((a, d) => a * d, 1)), dims) : undefined,
    // onnxruntime-node writes a preallocated output in place but hands back a copy: compare spots to be sure.
    holds: (slab, t, from) => {
      if (t.location !== "cpu") return false;
      const data = asSlab(t.data as ArrayBufferView, type);
      if (data.buffer === slab.buffer) return true;
      const n = data.length;
      for (const i of [0, n >> 3, n >> 2, n >> 1, n - 1]) if (n && !Object.is(data[i], slab[from + i])) return false;
      return true;
    },
  };
}

// GPUBufferUsage.STORAGE | COPY_SRC | COPY_DST (numbers: the constants are not global in every runtime).
const USAGE = 0x80 | 0x04 | 0x08;

export function gpuStore(rt: OrtRuntime, device: GpuDeviceLike, type: KvType = "float32"): KvStore<GpuBufferLike> {
  const size = BYTES[type];
  // Sizes rounded up to whole 4-byte words (WebGPU's copy granularity).
  const alloc = (n: number) => device.createBuffer({ size: Math.max(16, Math.ceil((n * size) / 4) * 4), usage: USAGE }); // zero-filled by spec
  return {
    alloc,
    source: async (t) => {
      if (t.location === "gpu-buffer") return { slab: t.gpuBuffer as unknown as GpuBufferLike, release: () => t.dispose() };
      // A tensor on the CPU (a session made without gpu-buffer outputs): upload it once.
      const data = (await t.getData()) as ArrayBufferView;
      const slab = alloc(data.byteLength / size);
      device.queue.writeBuffer(slab, 0, data.buffer, data.byteOffset, data.byteLength);
      t.dispose();
      return { slab, release: () => slab.destroy() };
    },
    copy(jobs) {
      const enc = device.createCommandEncoder();
      for (const { src, dst, blocks } of jobs) {
        for (const b of blocks) {
          // Copies move whole 4-byte words: float16 blocks are whole heads (64 values) at even offsets.
          if ((b.from * size) % 4 || (b.to * size) % 4 || (b.count * size) % 4) throw new Error(`KV copy of ${b.count} ${type} at ${b.from} -> ${b.to}: not 4-byte aligned`);
          enc.copyBufferToBuffer(src, b.from * size, dst, b.to * size, b.count * size);
        }
      }
      device.queue.submit([enc.finish()]);
    },
    tensor: (slab, dims) => rt.Tensor.fromGpuBuffer(slab as never, { dataType: type, dims }) as Tensor,
    free: (slab) => slab.destroy(),
    holds: () => false,
  };
}
