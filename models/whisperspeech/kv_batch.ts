// The running batch of an autoregressive decoder: rows at their own positions share one KV cache
// [B, H, P, 64] per layer. A row that joins late has padding slots in front (masked out by attention_mask);
// a row that finishes leaves, and leading slots no row needs are dropped. Between membership changes the
// present tensors of one step are fed back as the past of the next as they are (on the GPU when the session
// keeps them there); only a membership change copies the cache through the CPU.
import type { InferenceSession, Tensor } from "onnxruntime-common";
import type { OrtRuntime } from "../onnx/runtime.ts";

export interface DecoderNames {
  positionIds: string;
  attentionMask: string;
  logits: string;
  crossKey(i: number): string;
  crossValue(i: number): string;
  pastKey(i: number): string;
  pastValue(i: number): string;
  presentKey(i: number): string;
  presentValue(i: number): string;
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
  return { positionIds, attentionMask, logits: c.logits, crossKey: c.crossKey, crossValue: c.crossValue, pastKey: c.pastKey, pastValue: c.pastValue, presentKey: c.presentKey, presentValue: c.presentValue };
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

/** Cross-attention K/V of some rows, per layer: [n, H, L, 64] each, row-major. */
export interface CrossKv {
  rows: number;
  keys: Float32Array[];
  values: Float32Array[];
}

export class KvBatch<T> {
  rows: Row<T>[] = [];
  #past: Tensor[] = []; // keys then values, per layer
  #cross: Tensor[] = [];
  #crossData: { keys: Float32Array[]; values: Float32Array[] } | undefined;
  #length = 0; // P

  constructor(readonly rt: OrtRuntime, readonly shape: KvShape, readonly names: DecoderNames) {}

  get size(): number {
    return this.rows.length;
  }

  get pastLength(): number {
    return this.#length;
  }

  /**
   * Changes membership: keeps the rows for which `keep` is true, then appends `joining` (with their
   * cross K/V). Copies the caches through the CPU, so call it only when membership changes.
   */
  async reshape(keep: (state: T) => boolean, joining: T[], cross: CrossKv | undefined): Promise<void> {
    const kept = this.rows.map((r, i) => ({ r, i })).filter(({ r }) => keep(r.state));
    const drop = kept.length ? Math.min(...kept.map(({ r }) => r.validFrom)) : this.#length;
    const newLen = this.#length - drop;
    const b = kept.length + joining.length;
    const { layers, heads, headDim, encoderLen } = this.shape;
    const rowPast = heads * this.#length * headDim, rowNew = heads * newLen * headDim;
    const past: Tensor[] = [];
    for (let j = 0; j < 2 * layers; j++) {
      const out = new Float32Array(b * rowNew);
      if (newLen > 0) {
        const old = (await this.#past[j].getData()) as Float32Array;
        for (const [n, { i }] of kept.entries()) {
          for (let h = 0; h < heads; h++) {
            const src = i * rowPast + h * this.#length * headDim + drop * headDim;
            out.set(old.subarray(src, src + newLen * headDim), n * rowNew + h * newLen * headDim);
          }
        }
      }
      past.push(new this.rt.Tensor("float32", out, [b, heads, newLen, headDim]));
    }
    const rowCross = heads * encoderLen * headDim;
    const gather = (old: Float32Array[] | undefined, extra: Float32Array[] | undefined) =>
      Array.from({ length: layers }, (_, l) => {
        const out = new Float32Array(b * rowCross);
        for (const [n, { i }] of kept.entries()) out.set(old![l].subarray(i * rowCross, (i + 1) * rowCross), n * rowCross);
        if (extra) out.set(extra[l].subarray(0, joining.length * rowCross), kept.length * rowCross);
        return out;
      });
    if (joining.length && (!cross || cross.rows !== joining.length)) throw new Error("joining rows need their cross K/V");
    this.#crossData = { keys: gather(this.#crossData?.keys, cross?.keys), values: gather(this.#crossData?.values, cross?.values) };
    this.#disposeAll();
    this.#past = past;
    this.#cross = [
      ...this.#crossData.keys.map((d) => new this.rt.Tensor("float32", d, [b, heads, encoderLen, headDim])),
      ...this.#crossData.values.map((d) => new this.rt.Tensor("float32", d, [b, heads, encoderLen, headDim])),
    ];
    this.#length = newLen;
    this.rows = [
      ...kept.map(({ r }) => ({ ...r, validFrom: r.validFrom - drop })),
      ...joining.map((state) => ({ state, validFrom: newLen, position: 0 })),
    ];
  }

  /** One decoder step for every row; `feeds` adds the model's own inputs (token ids, cps...). Returns logits. */
  async step(session: InferenceSession, feeds: Record<string, Tensor>): Promise<Float32Array> {
    const { layers } = this.shape;
    const b = this.rows.length, p = this.#length;
    const mask = new Float32Array(b * (p + 1));
    const positions = new BigInt64Array(b);
    for (const [n, r] of this.rows.entries()) {
      mask.fill(1, n * (p + 1) + r.validFrom, (n + 1) * (p + 1));
      positions[n] = BigInt(r.position);
    }
    const all: Record<string, Tensor> = {
      ...feeds,
      [this.names.positionIds]: new this.rt.Tensor("int64", positions, [b, 1]),
      [this.names.attentionMask]: new this.rt.Tensor("float32", mask, [b, p + 1]),
    };
    for (let i = 0; i < layers; i++) {
      all[this.names.crossKey(i)] = this.#cross[i];
      all[this.names.crossValue(i)] = this.#cross[layers + i];
      all[this.names.pastKey(i)] = this.#past[i];
      all[this.names.pastValue(i)] = this.#past[layers + i];
    }
    const out = await session.run(all);
    for (const t of this.#past) t.dispose();
    this.#past = [
      ...Array.from({ length: layers }, (_, i) => out[this.names.presentKey(i)]),
      ...Array.from({ length: layers }, (_, i) => out[this.names.presentValue(i)]),
    ];
    this.#length = p + 1;
    for (const r of this.rows) r.position++;
    const logits = out[this.names.logits];
    const data = (await logits.getData()) as Float32Array;
    logits.dispose();
    return data;
  }

  #disposeAll() {
    for (const t of [...this.#past, ...this.#cross]) t.dispose();
    this.#past = [];
    this.#cross = [];
  }

  dispose(): void {
    this.#disposeAll();
    this.#crossData = undefined;
    this.rows = [];
    this.#length = 0;
  }
}

/** Encoder outputs for `n` rows -> CrossKv (copied out of the session's tensors). */
export async function crossKvFrom(out: InferenceSession.OnnxValueMapType, names: Pick<DecoderNames, "crossKey" | "crossValue">, layers: number, n: number): Promise<CrossKv> {
  const keys: Float32Array[] = [], values: Float32Array[] = [];
  for (let i = 0; i < layers; i++) {
    const k = out[names.crossKey(i)] as Tensor, v = out[names.crossValue(i)] as Tensor;
    keys.push(((await k.getData()) as Float32Array).slice()); // slice: Float32Array.from iterates, 10x slower
    values.push(((await v.getData()) as Float32Array).slice());
    k.dispose();
    v.dispose();
  }
  return { rows: n, keys, values };
}
