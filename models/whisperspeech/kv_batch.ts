// The running batch of an autoregressive decoder: B batch slots, each holding a row (an item being decoded)
// or nothing (a hole), share one self-attention cache [B, H, C, 64] per layer, C cache slots of capacity of
// which P are used, and one cross-attention K/V [B, H, L, 64]. A row that joins late has padding in front
// of its cache slots (masked out by attention_mask). Nothing is copied in the steady state:
//  - each step the decoder returns only the new token's K/V, written into cache slot P in place (on the GPU
//    on WebGPU), so a step costs no copy of the cache;
//  - a finished row leaves a hole and a joining row takes a hole (only its own cross K/V are copied in);
//  - the caches are rebuilt only when capacity runs out (every CHUNK steps) or membership changes the batch
//    size, and then cache slots no row needs any more are dropped; while nobody waits to join, holes are
//    dropped once they are half the batch.
import type { InferenceSession, Tensor } from "onnxruntime-common";
import type { OrtRuntime } from "../onnx/runtime.ts";
import { type Block, cpuStore, gpuStore, type KvStore, type KvType } from "./kv_store.ts";

export interface DecoderNames {
  positionIds: string;
  attentionMask: string;
  logits: string;
  crossKey(i: number): string;
  crossValue(i: number): string;
  pastKey(i: number): string;
  pastValue(i: number): string;
  stepKey(i: number): string;
  stepValue(i: number): string;
}

export interface KvShape {
  layers: number;
  heads: number;
  headDim: number;
  /** Encoder length the cross-attention K/V span (550 for T2S, 750 for S2A). */
  encoderLen: number;
}

/** The names KvBatch needs, from a decoder contract (T2S_DECODER or S2A_DECODER of contract.ts). */
export function decoderNames(c: { inputs: { positionIds: string; attentionMask: string } } & Omit<DecoderNames, "positionIds" | "attentionMask">): DecoderNames {
  const { positionIds, attentionMask } = c.inputs;
  return { positionIds, attentionMask, logits: c.logits, crossKey: c.crossKey, crossValue: c.crossValue, pastKey: c.pastKey, pastValue: c.pastValue, stepKey: c.stepKey, stepValue: c.stepValue };
}

/** Cache sizes of a decoder, from its dims. */
export const kvShape = (d: { numDecoderLayers: number; numHeads: number; headDim: number; encoderLen: number }): KvShape => ({
  layers: d.numDecoderLayers,
  heads: d.numHeads,
  headDim: d.headDim,
  encoderLen: d.encoderLen,
});

interface Row<T> {
  state: T;
  /** First cache slot that belongs to this row. */
  validFrom: number;
  /** Position id of the row's next token. */
  position: number;
}

/** Capacity grows by this many cache slots: a rebuild every CHUNK steps, at most CHUNK masked slots. */
const CHUNK = 32;

/** Encoder outputs: per decoder layer, cross K and V [1, H, L, 64] for one joining row. */
export type CrossOutputs = InferenceSession.OnnxValueMapType;

/** Runs the encoder for joining row j, into the preallocated outputs `into` when given. */
export type Encode = (j: number, into?: Record<string, Tensor>) => Promise<CrossOutputs>;

export class KvBatch<T> {
  /** Batch slot n: its row, or undefined for a hole (decoded as padding; its outputs mean nothing). */
  slots: (Row<T> | undefined)[] = [];
  #past: unknown[] = []; // keys then values, per layer: [B, H, C, 64]
  #cross: unknown[] = []; // keys then values, per layer: [B, H, L, 64]
  #length = 0; // P
  #capacity = 0; // C

  private constructor(readonly rt: OrtRuntime, readonly shape: KvShape, readonly names: DecoderNames, readonly store: KvStore<unknown>) {}

  /** A batch whose caches live where `rt` computes: GPU buffers on WebGPU, memory otherwise; elements of `type`
   * (the decoder graph's K/V type: float16 for the fp16 graphs). */
  static async create<T>(rt: OrtRuntime, shape: KvShape, names: DecoderNames, type: KvType = "float32"): Promise<KvBatch<T>> {
    const store = rt.provider === "webgpu" && rt.gpuDevice ? gpuStore(rt, await rt.gpuDevice(), type) : cpuStore(rt, rt.provider === "cpu", type);
    return new KvBatch<T>(rt, shape, names, store as KvStore<unknown>);
  }

  /** Batch slots (the decoder's B), holes included. */
  get size(): number {
    return this.slots.length;
  }

  /** Rows being decoded. */
  get live(): number {
    return this.slots.reduce((n, r) => n + (r ? 1 : 0), 0);
  }

  get pastLength(): number {
    return this.#length;
  }

  get capacity(): number {
    return this.#capacity;
  }

  /**
   * Rows in `leaving` leave; `joining` rows join, into holes first. `encode(j, into)` runs the encoder for
   * joining row j (one row); `into`, when given, holds preallocated outputs in the row's batch slot to pass
   * to session.run. `moreWaiting` says whether rows will join later (holes are then kept for them).
   */
  async update(leaving: Set<T>, joining: T[], encode: Encode, moreWaiting: boolean): Promise<void> {
    this.slots = this.slots.map((r) => (r && leaving.has(r.state) ? undefined : r));
    const holes = this.slots.flatMap((r, n) => (r ? [] : [n]));
    const extra = Math.max(0, joining.length - holes.length);
    const remaining = holes.length - (joining.length - extra);
    if (extra > 0 || (!moreWaiting && remaining > 0 && (2 * remaining >= this.slots.length || this.live + joining.length === 0))) {
      // Rebuild: live rows first (holes that rows are about to fill count as live), then room for the rest.
      const fill = new Set(holes.slice(0, joining.length));
      const order = this.slots.flatMap((r, n) => (r || fill.has(n) ? [n] : []));
      this.#rebuild([...order, ...Array<number>(extra).fill(-1)]);
    }
    const targets = this.slots.flatMap((r, n) => (r ? [] : [n])).slice(0, joining.length);
    for (const [j, state] of joining.entries()) {
      await this.#encodeInto(targets[j], (into) => encode(j, into));
      this.slots[targets[j]] = { state, validFrom: this.#length, position: 0 };
    }
  }

  /** Runs one row's encoder and puts its cross K/V into batch slot `slot` (written in place where possible). */
  async #encodeInto(slot: number, encode: (into?: Record<string, Tensor>) => Promise<CrossOutputs>) {
    const { layers, heads, headDim, encoderLen } = this.shape;
    const rowCross = heads * encoderLen * headDim, dims = [1, heads, encoderLen, headDim];
    const name = (j: number) => (j < layers ? this.names.crossKey(j) : this.names.crossValue(j - layers));
    const view = this.store.view;
    const into = view && Object.fromEntries(this.#cross.map((c, j) => [name(j), view(c, slot * rowCross, dims)]));
    const out = await encode(into);
    const sources = [];
    try {
      const jobs = [];
      for (let j = 0; j < 2 * layers; j++) {
        const t = out[name(j)] as Tensor | undefined;
        if (!t || t.dims[0] !== 1) throw new Error(`encoder output ${name(j)} missing or not one row`);
        if (into && this.store.holds(this.#cross[j], t, slot * rowCross)) continue; // written in place
        const src = await this.store.source(t);
        sources.push(src);
        jobs.push({ src: src.slab, dst: this.#cross[j], blocks: [{ from: 0, to: slot * rowCross, count: rowCross }] });
      }
      if (jobs.length) this.store.copy(jobs);
    } finally {
      for (const s of sources) s.release();
    }
  }

  /**
   * New caches where new slot n holds old slot `order[n]` (-1: an empty slot), cache slots no row needs
   * dropped, and room to append at least one token.
   */
  #rebuild(order: number[]) {
    const { layers, heads, headDim, encoderLen } = this.shape;
    const live = order.flatMap((o) => (o >= 0 && this.slots[o] ? [this.slots[o]!] : []));
    const drop = live.length ? Math.min(...live.map((r) => r.validFrom)) : this.#length;
    const len = this.#length - drop, oldCap = this.#capacity, b = order.length;
    const cap = Math.ceil((len + 1) / CHUNK) * CHUNK;
    const pastBlocks: Block[] = [];
    order.forEach((o, n) => {
      if (o < 0 || len === 0) return;
      for (let h = 0; h < heads; h++) pastBlocks.push({ from: ((o * heads + h) * oldCap + drop) * headDim, to: (n * heads + h) * cap * headDim, count: len * headDim });
    });
    const past = Array.from({ length: 2 * layers }, () => this.store.alloc(b * heads * cap * headDim));
    if (pastBlocks.length) this.store.copy(past.map((dst, j) => ({ src: this.#past[j], dst, blocks: pastBlocks })));
    for (const p of this.#past) this.store.free(p);
    this.#past = past;
    const identity = order.length === this.slots.length && order.every((o, n) => o === n);
    if (!identity) {
      const rowCross = heads * encoderLen * headDim;
      const crossBlocks = order.flatMap((o, n) => (o >= 0 ? [{ from: o * rowCross, to: n * rowCross, count: rowCross }] : []));
      const cross = Array.from({ length: 2 * layers }, () => this.store.alloc(b * rowCross));
      if (crossBlocks.length) this.store.copy(cross.map((dst, j) => ({ src: this.#cross[j], dst, blocks: crossBlocks })));
      for (const c of this.#cross) this.store.free(c);
      this.#cross = cross;
    }
    this.slots = order.map((o) => {
      const r = o >= 0 ? this.slots[o] : undefined;
      return r && { ...r, validFrom: Math.max(0, r.validFrom - drop) };
    });
    this.#length = len;
    this.#capacity = cap;
  }

  /** One decoder step for every slot; `feeds` adds the model's own inputs (token ids, cps...). Returns logits. */
  async step(session: InferenceSession, feeds: Record<string, Tensor>): Promise<Float32Array> {
    const { layers, heads, headDim, encoderLen } = this.shape;
    // Out of room: rebuild in place (same slots: the caller's feeds are already shaped [B, ...]).
    if (this.#length >= this.#capacity) this.#rebuild(this.slots.map((_, n) => n));
    const b = this.slots.length, p = this.#length, c = this.#capacity;
    const mask = new Float32Array(b * (c + 1));
    const positions = new BigInt64Array(b);
    for (const [n, r] of this.slots.entries()) {
      if (r) mask.fill(1, n * (c + 1) + r.validFrom, n * (c + 1) + p);
      mask[n * (c + 1) + c] = 1; // the token itself (a hole attends to itself only)
      positions[n] = BigInt(r?.position ?? 0);
    }
    const all: Record<string, Tensor> = {
      ...feeds,
      [this.names.positionIds]: new this.rt.Tensor("int64", positions, [b, 1]),
      [this.names.attentionMask]: new this.rt.Tensor("float32", mask, [b, c + 1]),
    };
    const crossDims = [b, heads, encoderLen, headDim], pastDims = [b, heads, c, headDim];
    for (let i = 0; i < layers; i++) {
      all[this.names.crossKey(i)] = this.store.tensor(this.#cross[i], crossDims);
      all[this.names.crossValue(i)] = this.store.tensor(this.#cross[layers + i], crossDims);
      all[this.names.pastKey(i)] = this.store.tensor(this.#past[i], pastDims);
      all[this.names.pastValue(i)] = this.store.tensor(this.#past[layers + i], pastDims);
    }
    const out = await session.run(all);
    // Slot n's new K/V (one per head) go to cache slot P.
    const blocks: Block[] = [];
    for (let n = 0; n < b; n++) for (let h = 0; h < heads; h++) blocks.push({ from: (n * heads + h) * headDim, to: ((n * heads + h) * c + p) * headDim, count: headDim });
    const sources = [];
    try {
      for (let j = 0; j < 2 * layers; j++) sources.push(await this.store.source(out[j < layers ? this.names.stepKey(j) : this.names.stepValue(j - layers)]));
      this.store.copy(sources.map((s, j) => ({ src: s.slab, dst: this.#past[j], blocks })));
    } finally {
      for (const s of sources) s.release();
    }
    this.#length = p + 1;
    for (const r of this.slots) if (r) r.position++;
    const logits = out[this.names.logits];
    const data = (await logits.getData()) as Float32Array;
    logits.dispose();
    return data;
  }

  dispose(): void {
    for (const s of [...this.#past, ...this.#cross]) this.store.free(s);
    this.#past = [];
    this.#cross = [];
    this.slots = [];
    this.#length = 0;
    this.#capacity = 0;
  }
}
