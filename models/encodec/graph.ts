// EnCodec 24 kHz as ONNX graphs, built from normalized weights:
//   encodec_encoder.onnx: input_values [B,1,L] f32 -> audio_codes [B,n_q,T] i64 (+ embeddings [B,dim,T]), T = ceil(L/320)
//   encodec_decoder.onnx: audio_codes [B,n_q,T] i64 -> audio_values [B,1,320*T] f32
// Padding is computed inside the graph from the dynamic length, exactly as upstream's causal SConv1d.
import { float, GraphBuilder, type Value } from "../onnx/graph_builder.ts";
import type { Conv, EncodecWeights, Layer, Lstm, ResBlock } from "./weights.ts";

class EncodecGraph {
  n = 0;
  constructor(readonly g: GraphBuilder) {}

  weight(c: Conv, name: string) {
    const w = this.g.initializer(`${name}.weight`, c.weight, c.shape);
    const b = this.g.initializer(`${name}.bias`, c.bias, [c.bias.length]);
    return { w, b };
  }

  /** Length of the last axis as a 1-D int64 tensor [L]. */
  length(x: Value): Value {
    return this.g.op("Shape", [x], { start: 2, end: 3 });
  }

  /** upstream pad1d(reflect) with dynamic pads: zero-extend when too short, reflect, drop the extension. */
  reflectPad(x: Value, left: number, right: Value): Value {
    const g = this.g;
    const L = this.length(x);
    const maxPad = g.op("Max", [g.ints([left]), right]);
    const zero = g.ints([0]);
    const extra = g.op("Max", [zero, g.op("Add", [g.op("Sub", [maxPad, L]), g.ints([1])])]);
    const z = g.ints([0, 0, 0, 0, 0]);
    const zPads = g.op("Concat", [z, extra], { axis: 0 });
    const x1 = g.op("Pad", [x, zPads], { mode: "constant" });
    const rPads = g.op("Concat", [g.ints([0, 0, left, 0, 0]), right], { axis: 0 });
    const x2 = g.op("Pad", [x1, rPads], { mode: "reflect" });
    const end = g.op("Sub", [this.length(x2), extra]);
    return g.op("Slice", [x2, zero, end, g.ints([2])]);
  }

  sconv(x: Value, c: Conv): Value {
    const g = this.g;
    const name = `conv${this.n++}`;
    const { w, b } = this.weight(c, name);
    const k = c.shape[2];
    const kEff = (k - 1) * c.dilation + 1;
    const padTotal = kEff - c.stride;
    let input = x;
    if (padTotal > 0 || c.stride > 1) {
      // extra = ceil(L / s) * s - L = (s - L mod s) mod s, which makes the last window whole.
      const s = g.ints([c.stride]);
      const extra = g.op("Mod", [g.op("Sub", [s, g.op("Mod", [this.length(x), s])]), s]);
      input = this.reflectPad(x, padTotal, extra);
    }
    return g.op("Conv", [input, w, b], { kernel_shape: [k], strides: [c.stride], dilations: [c.dilation], pads: [0, 0], group: 1 });
  }

  sconvtr(x: Value, c: Conv): Value {
    const g = this.g;
    const name = `convtr${this.n++}`;
    const { w, b } = this.weight(c, name);
    const k = c.shape[2];
    const y = g.op("ConvTranspose", [x, w, b], { kernel_shape: [k], strides: [c.stride], dilations: [1], pads: [0, 0], group: 1 });
    const trim = k - c.stride;
    if (trim === 0) return y;
    const end = g.op("Sub", [this.length(y), g.ints([trim])]);
    return g.op("Slice", [y, g.ints([0]), end, g.ints([2])]);
  }

  elu(x: Value): Value {
    return this.g.op("Elu", [x], { alpha: float(1) });
  }

  res(x: Value, r: ResBlock): Value {
    const h = this.sconv(this.elu(this.sconv(this.elu(x), r.conv1)), r.conv2);
    const s = r.shortcut ? this.sconv(x, r.shortcut) : x;
    return this.g.op("Add", [s, h]);
  }

  /** nn.LSTM layers (torch gates i,f,g,o -> ONNX i,o,f,c) over time, then the SLSTM skip. */
  lstm(x: Value, m: Lstm): Value {
    const g = this.g;
    const H = m.hidden;
    let seq = g.op("Transpose", [x], { perm: [2, 0, 1] }); // [T,B,C]
    const input = seq;
    for (const [i, l] of m.layers.entries()) {
      const name = `lstm${this.n++}.l${i}`;
      const W = g.initializer(`${name}.W`, reorderGates(l.wih, H, l.input), [1, 4 * H, l.input]);
      const R = g.initializer(`${name}.R`, reorderGates(l.whh, H, H), [1, 4 * H, H]);
      const B = new Float32Array(8 * H);
      B.set(reorderGates(l.bih, H, 1), 0);
      B.set(reorderGates(l.bhh, H, 1), 4 * H);
      const Bv = g.initializer(`${name}.B`, B, [1, 8 * H]);
      const [y] = g.opN("LSTM", [seq, W, R, Bv], 1, { hidden_size: H, direction: "forward" });
      seq = g.op("Squeeze", [y, g.ints([1])]); // [T,1,B,H] -> [T,B,H]
    }
    const out = g.op("Add", [seq, input]);
    return g.op("Transpose", [out], { perm: [1, 2, 0] }); // [B,C,T]
  }

  layers(x: Value, layers: Layer[]): Value {
    for (const l of layers) {
      if (l.kind === "conv") x = this.sconv(x, l.conv);
      else if (l.kind === "convtr") x = this.sconvtr(x, l.conv);
      else if (l.kind === "res") x = this.res(x, l.block);
      else if (l.kind === "lstm") x = this.lstm(x, l.lstm);
      else x = this.elu(x);
    }
    return x;
  }
}

/** Rows of the 4 gate blocks from torch order (i, f, g, o) to ONNX order (i, o, f, c). */
function reorderGates(w: Float32Array, H: number, cols: number): Float32Array {
  const out = new Float32Array(w.length);
  const block = H * cols;
  [0, 3, 1, 2].forEach((src, dst) => out.set(w.subarray(src * block, (src + 1) * block), dst * block));
  return out;
}

/** Encoder + residual vector quantization with `nq` codebooks. */
export function buildEncoder(w: EncodecWeights, nq: number): Uint8Array {
  const g = new GraphBuilder("encodec_encoder");
  const eg = new EncodecGraph(g);
  const x = g.input("input_values", "float32", ["batch", 1, "samples"]);
  const emb = eg.layers(x, w.encoder); // [B,D,T]
  g.output(emb, "embeddings", "float32", ["batch", w.dim, "frames"]);
  let residual = g.op("Transpose", [emb], { perm: [0, 2, 1] }); // [B,T,D]
  const codes: Value[] = [];
  for (let q = 0; q < nq; q++) {
    const Et = g.initializer(`codebook${q}.T`, transpose(w.codebooks[q], w.bins, w.dim), [w.dim, w.bins]);
    const e2 = g.initializer(`codebook${q}.sq`, rowSquares(w.codebooks[q], w.bins, w.dim), [w.bins]);
    // dist = -(|x|^2 - 2 x.E + |E|^2), as upstream; ArgMax keeps the first index on ties.
    const x2 = g.op("ReduceSumSquare", [residual], { axes: [2], keepdims: 1 });
    const xe = g.op("MatMul", [residual, Et]);
    const dist = g.op("Neg", [g.op("Add", [g.op("Sub", [x2, g.op("Mul", [xe, g.scalar(2)])]), e2])]);
    const idx = g.op("ArgMax", [dist], { axis: 2, keepdims: 0, select_last_index: 0 }); // [B,T]
    codes.push(g.op("Unsqueeze", [idx, g.ints([1])]));
    if (q < nq - 1) {
      const E = g.initializer(`codebook${q}`, w.codebooks[q], [w.bins, w.dim]);
      residual = g.op("Sub", [residual, g.op("Gather", [E, idx], { axis: 0 })]);
    }
  }
  const out = codes.length === 1 ? codes[0] : g.op("Concat", codes, { axis: 1 });
  g.output(out, "audio_codes", "int64", ["batch", nq, "frames"]);
  return g.toBytes({ metadata: { model: "encodec_24khz", n_q: String(nq) } });
}

/** Dequantize (sum of codebook rows) + decoder. */
export function buildDecoder(w: EncodecWeights, nq: number): Uint8Array {
  const g = new GraphBuilder("encodec_decoder");
  const eg = new EncodecGraph(g);
  const codes = g.input("audio_codes", "int64", ["batch", nq, "frames"]);
  let sum: Value | undefined;
  for (let q = 0; q < nq; q++) {
    const E = g.initializer(`codebook${q}`, w.codebooks[q], [w.bins, w.dim]);
    const cq = g.op("Gather", [codes, g.constant([q], [], "int64")], { axis: 1 }); // [B,T]
    const rows = g.op("Gather", [E, cq], { axis: 0 }); // [B,T,D]
    sum = sum ? g.op("Add", [sum, rows]) : rows;
  }
  const emb = g.op("Transpose", [sum!], { perm: [0, 2, 1] });
  const y = eg.layers(emb, w.decoder);
  g.output(y, "audio_values", "float32", ["batch", 1, "samples"]);
  return g.toBytes({ metadata: { model: "encodec_24khz_decoder", n_q: String(nq) } });
}

function transpose(a: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = a[r * cols + c];
  return out;
}

function rowSquares(a: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let c = 0; c < cols; c++) s += a[r * cols + c] * a[r * cols + c];
    out[r] = s;
  }
  return out;
}
