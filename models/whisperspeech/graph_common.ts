// Transformer pieces shared by the T2S and S2A graphs (Whisper-style pre-LN blocks as in WhisperSpeech's
// modules.py): linear layers with weights stored transposed, LayerNorm, exact GELU, multi-head attention over
// [B, H, S, 64] with an additive mask, and GPT-NeoX RoPE with per-row positions.
import { float, GraphBuilder, type Value } from "../onnx/graph_builder.ts";
import type { Weights } from "./checkpoint_spec.ts";

/** Large negative added to masked scores (exp underflows to exactly 0, as with -inf, without NaN rows). */
export const MASKED = -1e9;

/** fp32: every tensor float32. fp16: weight matrices and embedding tables stored and multiplied in float16, and
 * the KV caches (self and cross) stored and read as float16; the residual stream, LayerNorm, rotary, attention
 * scores and softmax, and the logits stay float32 (a Cast at each edge). */
export type GraphPrecision = "fp32" | "fp16";

/** The element type of the K/V tensors a graph of `precision` takes and gives. */
export const kvType = (precision: GraphPrecision): "float16" | "float32" => (precision === "fp16" ? "float16" : "float32");

/** float32 values as IEEE half bits (round to nearest even), the layout of an ONNX FLOAT16 tensor. */
export function toHalfBits(data: Float32Array): Uint16Array {
  const F16 = (globalThis as { Float16Array?: { from(d: Float32Array): { buffer: ArrayBuffer } } }).Float16Array;
  if (F16) return new Uint16Array(F16.from(data).buffer);
  const out = new Uint16Array(data.length), bits = new Uint32Array(data.buffer, data.byteOffset, data.length);
  for (let i = 0; i < data.length; i++) out[i] = halfBits(bits[i]); // browsers older than Float16Array
  return out;
}

/** One float32 (as its bits) to half bits; exported for its test. */
export function halfBits(f: number): number {
  const sign = (f >>> 16) & 0x8000, exp = (f >>> 23) & 0xff, man = f & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (man ? 0x200 : 0); // inf, NaN
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow -> inf
  if (e <= 0) { // subnormal half (or zero)
    if (e < -10) return sign;
    const m = man | 0x800000, shift = 14 - e;
    const half = m >>> shift, rest = m & ((1 << shift) - 1), mid = 1 << (shift - 1);
    return sign | (half + (rest > mid || (rest === mid && (half & 1)) ? 1 : 0));
  }
  const half = (e << 10) | (man >>> 13), rest = man & 0x1fff;
  return sign | (half + (rest > 0x1000 || (rest === 0x1000 && (half & 1)) ? 1 : 0)); // a carry rounds into the exponent
}

/** Cast targets (ONNX TensorProto.DataType). */
const FLOAT = 1, FLOAT16 = 10;

/** A weight initializer in the graph's precision. */
export function weightInit(g: GraphBuilder, name: string, data: Float32Array, dims: number[], precision: GraphPrecision): Value {
  return precision === "fp16" ? g.initializer(name, toHalfBits(data), dims, "float16") : g.initializer(name, data, dims);
}

/** Rows of a weight table picked by `ids`, as float32 whatever the table's precision. */
export function gatherRows(g: GraphBuilder, table: Value, ids: Value, precision: GraphPrecision): Value {
  const rows = g.op("Gather", [table, ids], { axis: 0 });
  return precision === "fp16" ? g.op("Cast", [rows], { to: FLOAT }) : rows;
}

/** float32 x @ W for a weight W made by weightInit: in float16 (out float32 again) when the weight is. */
export function matmulWeight(g: GraphBuilder, x: Value, weight: Value, precision: GraphPrecision): Value {
  if (precision === "fp32") return g.op("MatMul", [x, weight]);
  return halfMatMul(g, x, weight);
}

/** float32 a @ float16 b, multiplied in float16, out float32. */
function halfMatMul(g: GraphBuilder, a: Value, b: Value): Value {
  return g.op("Cast", [g.op("MatMul", [g.op("Cast", [a], { to: FLOAT16 }), b])], { to: FLOAT });
}

/** A float32 K/V tensor as the graph's cache type (float16 in fp16 graphs). */
export function toKv(g: GraphBuilder, x: Value, precision: GraphPrecision): Value {
  return precision === "fp16" ? g.op("Cast", [x], { to: FLOAT16 }) : x;
}

export class BlockBuilder {
  constructor(
    readonly g: GraphBuilder,
    readonly w: Weights,
    readonly heads: number,
    readonly headDim = 64,
    readonly precision: GraphPrecision = "fp32",
  ) {}

  /** [out, in] weight (times `scale`) stored as [in, out]. */
  transposed(name: string, scale = 1): { data: Float32Array; rows: number; cols: number } {
    const { data, shape } = this.w.get(name);
    const [out, inp] = shape;
    const t = new Float32Array(inp * out);
    for (let o = 0; o < out; o++) for (let i = 0; i < inp; i++) t[i * out + o] = data[o * inp + i] * scale;
    return { data: t, rows: inp, cols: out };
  }

  /** x @ W^T (+ b), both times `scale`. */
  linear(x: Value, prefix: string, scale = 1, bias = true): Value {
    const wt = this.transposed(`${prefix}.weight`, scale);
    const weight = this.precision === "fp16"
      ? this.g.constant(toHalfBits(wt.data), [wt.rows, wt.cols], "float16", `${prefix}.wT`)
      : this.g.constant(wt.data, [wt.rows, wt.cols], "float32", `${prefix}.wT`);
    let y = matmulWeight(this.g, x, weight, this.precision);
    if (bias && this.w.has(`${prefix}.bias`)) {
      const b = this.w.get(`${prefix}.bias`).data.map((v) => v * scale);
      y = this.g.op("Add", [y, this.g.constant(b, [b.length], "float32", `${prefix}.b`)]);
    }
    return y;
  }

  layerNorm(x: Value, prefix: string): Value {
    const gamma = this.w.get(`${prefix}.weight`).data, beta = this.w.get(`${prefix}.bias`).data;
    return this.g.op("LayerNormalization", [
      x,
      this.g.constant(gamma, [gamma.length], "float32", `${prefix}.gamma`),
      this.g.constant(beta, [beta.length], "float32", `${prefix}.beta`),
    ], { axis: -1, epsilon: float(1e-5) });
  }

  /** nn.GELU() (erf form); opset 17 has no Gelu op. */
  gelu(x: Value): Value {
    const g = this.g;
    const erf = g.op("Erf", [g.op("Mul", [x, g.scalar(Math.SQRT1_2)])]);
    return g.op("Mul", [g.op("Mul", [x, g.scalar(0.5)]), g.op("Add", [erf, g.scalar(1)])]);
  }

  mlp(x: Value, prefix: string): Value {
    return this.linear(this.gelu(this.linear(this.layerNorm(x, `${prefix}.mlp_ln`), `${prefix}.mlp.0`)), `${prefix}.mlp.2`);
  }

  /** [B, S, H*64] -> [B, H, S, 64]. */
  splitHeads(x: Value): Value {
    return this.g.op("Transpose", [this.g.op("Reshape", [x, this.g.ints([0, 0, this.heads, this.headDim])])], { perm: [0, 2, 1, 3] });
  }

  /** [B, H, S, 64] -> [B, S, H*64]. */
  mergeHeads(x: Value): Value {
    return this.g.op("Reshape", [this.g.op("Transpose", [x], { perm: [0, 2, 1, 3] }), this.g.ints([0, 0, this.heads * this.headDim])]);
  }

  /**
   * q @ kv (kv = K^T or V), float32 out. With `half` kv is a float16 cache: the product runs in float16 on the
   * cache as stored. Casting V up to float32 first about halves the logits error (README, fp16) but reads the cache,
   * writes it in float32 and reads that again every step: more traffic than an fp32 cache.
   */
  #kvMatMul(a: Value, kv: Value, half: boolean): Value {
    return half ? halfMatMul(this.g, a, kv) : this.g.op("MatMul", [a, kv]);
  }

  /** softmax(q k^T / sqrt(64) + mask) v; mask broadcastable to [B, H, Sq, Sk] or "" for none; `half`: k, v float16
   * (scores and softmax still float32). */
  attend(q: Value, k: Value, v: Value, mask: Value | "", half = false): Value {
    const g = this.g;
    const raw = this.#kvMatMul(q, g.op("Transpose", [k], { perm: [0, 1, 3, 2] }), half);
    let scores = g.op("Mul", [raw, g.scalar(1 / Math.sqrt(this.headDim))]);
    if (mask) scores = g.op("Add", [scores, mask]);
    return this.#kvMatMul(g.op("Softmax", [scores], { axis: -1 }), v, half);
  }

  /**
   * Single-query attention over a cache plus the current token, without joining them: scores against the
   * cache [B,H,1,C] and against the own key [B,H,1,1] share one softmax (mask [B,1,1,C+1], last slot = self).
   */
  attendCached(q: Value, k: Value, v: Value, pastK: Value, pastV: Value, mask: Value, half = false): Value {
    const g = this.g;
    const past = this.#kvMatMul(q, g.op("Transpose", [pastK], { perm: [0, 1, 3, 2] }), half); // fused into a transB GEMM
    const own = g.op("ReduceSum", [g.op("Mul", [q, k]), g.ints([-1])], { keepdims: 1 });
    const scores = g.op("Add", [g.op("Mul", [g.op("Concat", [past, own], { axis: -1 }), g.scalar(1 / Math.sqrt(this.headDim))]), mask]);
    const probs = g.op("Softmax", [scores], { axis: -1 });
    const c = g.op("Shape", [pastK], { start: 2, end: 3 });
    const pPast = g.op("Slice", [probs, g.ints([0]), c, g.ints([-1])]);
    const pOwn = g.op("Slice", [probs, c, g.ints([2 ** 62]), g.ints([-1])]);
    return g.op("Add", [this.#kvMatMul(pPast, pastV, half), g.op("Mul", [pOwn, v])]);
  }
}

/** Rotary tables of upstream's Rotary (2500 positions, float32 arithmetic as torch does it). */
export function ropeTables(w: Weights | undefined, invFreqName: string | undefined, dim = 64, positions = 2500) {
  const half = dim / 2;
  const inv = invFreqName && w?.has(invFreqName)
    ? w.get(invFreqName).data
    : Float32Array.from({ length: half }, (_, i) => 1 / 10000 ** ((2 * i) / dim));
  const cos = new Float32Array(positions * dim), sin = new Float32Array(positions * dim);
  for (let t = 0; t < positions; t++) {
    for (let i = 0; i < half; i++) {
      const f = Math.fround(t * inv[i]);
      cos[t * dim + i] = cos[t * dim + half + i] = Math.cos(f);
      sin[t * dim + i] = sin[t * dim + half + i] = Math.sin(f);
    }
  }
  return { cos, sin, positions, dim };
}

export type Rope = ReturnType<typeof ropeTables>;

/** Gathered cos/sin for `positions` ([B, S] int64, or [S] for shared positions) shaped to broadcast over heads. */
export function ropeAt(g: GraphBuilder, tables: { cos: Value; sin: Value }, positions: Value, perRow: boolean) {
  const cos = g.op("Gather", [tables.cos, positions], { axis: 0 }); // [B,S,64] or [S,64]
  const sin = g.op("Gather", [tables.sin, positions], { axis: 0 });
  const axes = g.ints([perRow ? 1 : 0]);
  return { cos: g.op("Unsqueeze", [cos, axes]), sin: g.op("Unsqueeze", [sin, axes]) };
}

/** x * cos + rotate_half(x) * sin on [B, H, S, 64]. */
export function rotate(g: GraphBuilder, x: Value, at: { cos: Value; sin: Value }, dim = 64): Value {
  const [x1, x2] = g.opN("Split", [x, g.ints([dim / 2, dim / 2])], 2, { axis: -1 });
  const rotated = g.op("Concat", [g.op("Neg", [x2]), x1], { axis: -1 });
  return g.op("Add", [g.op("Mul", [x, at.cos]), g.op("Mul", [rotated, at.sin])]);
}

/** 1 = attend, 0 = padding ([B, P+1]) -> additive mask [B, 1, 1, P+1]. */
export function maskFromAttention(g: GraphBuilder, attentionMask: Value): Value {
  const add = g.op("Mul", [g.op("Sub", [g.scalar(1), attentionMask]), g.scalar(MASKED)]);
  return g.op("Unsqueeze", [add, g.ints([1, 2])]);
}

/** Additive causal mask [S, S] (0 on and below the diagonal). */
export function causalMask(g: GraphBuilder, s: number): Value {
  const m = new Float32Array(s * s);
  for (let i = 0; i < s; i++) m.fill(MASKED, i * s + i + 1, (i + 1) * s);
  return g.constant(m, [s, s], "float32", "causal_mask");
}

/** Rows 0..n-1 of an embedding table, through an optional projector Linear (as FlexEmbeddings.merged_in). */
export function projectedTable(w: Weights, main: string, projector: string | undefined): { data: Float32Array; rows: number; cols: number } {
  const m = w.get(main);
  const [rows, width] = m.shape;
  if (!projector || !w.has(`${projector}.weight`)) return { data: m.data, rows, cols: width };
  const pw = w.get(`${projector}.weight`), pb = w.has(`${projector}.bias`) ? w.get(`${projector}.bias`).data : undefined;
  const [out] = pw.shape;
  const t = new Float32Array(rows * out);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < out; o++) {
      let acc = pb ? pb[o] : 0;
      for (let i = 0; i < width; i++) acc += m.data[r * width + i] * pw.data[o * width + i];
      t[r * out + o] = acc;
    }
  }
  return { data: t, rows, cols: out };
}

/**
 * FlexEmbeddings.unembed as one matrix [D, codes + specials] and bias, times `scale`:
 * (x W_h2e^T + b) main^T ++ x special^T.
 */
export function unembedMatrix(w: Weights, prefix: string, specialName: string | undefined, scale: number) {
  const main = w.get(`${prefix}.main.weight`);
  const [codes, ew] = main.shape;
  const special = specialName ? w.get(specialName) : undefined;
  const nSpecial = special ? special.shape[0] : 0;
  const h2e = w.has(`${prefix}.hidden_to_emb.weight`) ? w.get(`${prefix}.hidden_to_emb.weight`) : undefined;
  const d = h2e ? h2e.shape[1] : ew;
  const cols = codes + nSpecial;
  const mat = new Float32Array(d * cols), bias = new Float32Array(cols);
  for (let c = 0; c < codes; c++) {
    for (let i = 0; i < d; i++) {
      let acc = 0;
      if (h2e) for (let e = 0; e < ew; e++) acc += h2e.data[e * d + i] * main.data[c * ew + e];
      else acc = main.data[c * ew + i];
      mat[i * cols + c] = acc * scale;
    }
    if (h2e) {
      const hb = w.get(`${prefix}.hidden_to_emb.bias`).data;
      let acc = 0;
      for (let e = 0; e < ew; e++) acc += hb[e] * main.data[c * ew + e];
      bias[c] = acc * scale;
    }
  }
  for (let s = 0; s < nSpecial; s++) for (let i = 0; i < d; i++) mat[i * cols + codes + s] = special!.data[s * d + i] * scale;
  return { mat, bias, d, cols };
}
