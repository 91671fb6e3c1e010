// Where a decoder batch keeps its caches: plain Float32Arrays (cpu, wasm), or GPU buffers on WebGPU so the
// caches never travel through the CPU. Both only allocate, copy blocks of floats and wrap a slab as a Tensor,
// which is all KvBatch needs to append a step's K/V in place and to regroup rows when membership changes.
import type { Tensor } from "onnxruntime-common";
import type { GpuBufferLike, GpuDeviceLike, OrtRuntime } from "../onnx/runtime.ts";

/** One copy: `count` floats from `src` at float offset `from` to `dst` at float offset `to`. */
export interface Block {
  from: number;
  to: number;
  count: number;
}

export interface KvStore<S> {
  /** A zero-filled slab of `floats` float32 values. */
  alloc(floats: number): S;
  /** A session output (or any float32 tensor) as a slab to copy from; `release` frees what `source` made. */
  source(t: Tensor): Promise<{ slab: S; release(): void }>;
  /** Runs all copies, in order. */
  copy(jobs: { src: S; dst: S; blocks: Block[] }[]): void;
  tensor(slab: S, dims: number[]): Tensor;
  free(slab: S): void;
  /** A tensor over part of a slab, for a session to write its output into (where the runtime can). */
  view?(slab: S, from: number, dims: number[]): Tensor;
  /** Whether tensor `t` was written into `slab` at float offset `from` (an output written in place). */
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

/** `inPlace`: the runtime writes outputs into preallocated tensors (onnxruntime-node does). */
export function cpuStore(rt: OrtRuntime, inPlace: boolean): KvStore<Float32Array> {
  return {
    alloc: (n) => {
      const reused = takeFromPool(n * 4);
      return reused ? new Float32Array(reused, 0, n).fill(0) : new Float32Array(n);
    },
    source: async (t) => ({ slab: (await t.getData()) as Float32Array, release: () => t.dispose() }),
    copy(jobs) {
      for (const { src, dst, blocks } of jobs) for (const b of blocks) dst.set(src.subarray(b.from, b.from + b.count), b.to);
    },
    tensor: (slab, dims) => new rt.Tensor("float32", slab, dims),
    free: (slab) => giveToPool(slab.buffer as ArrayBuffer),
    view: inPlace ? (slab, from, dims) => new rt.Tensor("float32", slab.subarray(from, from + dims.reduce((a, d) => a * d, 1)), dims) : undefined,
    // onnxruntime-node writes a preallocated output in place but hands back a copy: compare spots to be sure.
    holds: (slab, t, from) => {
      if (t.location !== "cpu") return false;
      const data = t.data as Float32Array;
      if (data.buffer === slab.buffer) return true;
      const n = data.length;
      for (const i of [0, n >> 3, n >> 2, n >> 1, n - 1]) if (n && !Object.is(data[i], slab[from + i])) return false;
      return true;
    },
  };
}

// GPUBufferUsage.STORAGE | COPY_SRC | COPY_DST (numbers: the constants are not global in every runtime).
const USAGE = 0x80 | 0x04 | 0x08;

export function gpuStore(rt: OrtRuntime, device: GpuDeviceLike): KvStore<GpuBufferLike> {
  const alloc = (floats: number) => device.createBuffer({ size: Math.max(16, floats * 4), usage: USAGE }); // zero-filled by spec
  return {
    alloc,
    source: async (t) => {
      if (t.location === "gpu-buffer") return { slab: t.gpuBuffer as unknown as GpuBufferLike, release: () => t.dispose() };
      // A tensor on the CPU (a session made without gpu-buffer outputs): upload it once.
      const data = (await t.getData()) as Float32Array;
      const slab = alloc(data.length);
      device.queue.writeBuffer(slab, 0, data.buffer, data.byteOffset, data.byteLength);
      t.dispose();
      return { slab, release: () => slab.destroy() };
    },
    copy(jobs) {
      const enc = device.createCommandEncoder();
      for (const { src, dst, blocks } of jobs) for (const b of blocks) enc.copyBufferToBuffer(src, b.from * 4, dst, b.to * 4, b.count * 4);
      device.queue.submit([enc.finish()]);
    },
    tensor: (slab, dims) => rt.Tensor.fromGpuBuffer(slab as never, { dataType: "float32", dims }) as Tensor,
    free: (slab) => slab.destroy(),
    holds: () => false,
  };
}
